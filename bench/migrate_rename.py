"""Benchmark: one config key rename on the largest real input vs a plain read and write.

    .venv/bin/python bench/migrate_rename.py [--repeat 30] [--file PATH]

The input is the largest YAML file of the shared real-inputs folder (read in place, copied
only to a temporary folder). In one run the script times, ``--repeat`` times each:

- ``migrate_config_file`` renaming the file's last top-level key and back (parse, text
  edit, round-trip check, atomic write with fsync);
- the floor: ``read_bytes`` then ``write_bytes`` of the same file, with fsync.

It prints the median of each, their ratio and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loom_upgrade.migrate.config import migrate_config_file  # noqa: E402
from loom_upgrade.migrate.yaml_text import compose_documents  # noqa: E402

REAL_INPUTS = ROOT.parent / "shared" / "cases" / "real-inputs"


def largest_yaml() -> Path:
    files = [p for p in REAL_INPUTS.iterdir() if p.suffix in (".yaml", ".yml")]
    return max(files, key=lambda p: p.stat().st_size)


def last_top_level_key(text: str) -> str:
    root = compose_documents(text)[0]
    return root.value[-1][0].value


def raw_read_write(path: Path) -> float:
    start = time.perf_counter()
    data = path.read_bytes()
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return time.perf_counter() - start


def rename(path: Path, old: str, new: str) -> float:
    start = time.perf_counter()
    report = migrate_config_file(path, [{"rename_key": {"path": old, "to": new}}])
    elapsed = time.perf_counter() - start
    if not report.changed:
        raise SystemExit(f"rename of {old} changed nothing")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="measurements of each kind (default 30)")
    parser.add_argument("--file", type=Path, default=None, help="YAML file to use (default: the largest real input)")
    args = parser.parse_args()

    source = args.file or largest_yaml()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / source.name
        shutil.copyfile(source, path)
        key = last_top_level_key(path.read_text(encoding="utf-8"))
        renames, floors = [], []
        for index in range(args.repeat):
            old, new = (key, key + "_bench") if index % 2 == 0 else (key + "_bench", key)
            renames.append(rename(path, old, new))
            floors.append(raw_read_write(path))

    rename_median = statistics.median(renames)
    floor_median = statistics.median(floors)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"file: {source.name} ({source.stat().st_size} bytes), key: {key}, repeats: {args.repeat}")
    print(f"rename (parse, edit, round-trip check, atomic write): median {rename_median * 1000:.2f} ms")
    print(f"floor (read_bytes + write_bytes + fsync):             median {floor_median * 1000:.2f} ms")
    print(f"ratio rename / floor: {rename_median / floor_median:.1f}x")
    print(f"peak RSS: {peak_kib / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
