"""Benchmark: loom-upgrade's verified backup of a large SQLite home vs two raw floors.

    .venv/bin/python bench/backup.py [--turns 1000000] [--release 1.0.0] [--keep DIR]

The home is built once with ``python -m fixtures.build``. Then, each in its own process so
that its peak RSS is its own, the script measures:

- ``create_backup``: online-backup copy, home archive, manifest digests and the full
  verification (sha256 of every file, ``PRAGMA integrity_check``, archive members);
- ``sqlite3 .backup``: the command the operators' guide uses, copy only;
- a plain file copy of ``loom.db`` (``shutil.copyfile``), the I/O floor;
- ``snapshot_rows`` of the home's database, the per-hop row verification.

It prints each time, the ratios of ``create_backup`` to both floors, and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CREATE = """
import json, sys, time, resource
from pathlib import Path
from loom_upgrade.backup import create_backup
home, state = Path(sys.argv[1]), Path(sys.argv[2])
begin = time.perf_counter()
info = create_backup(home, state_dir=state, db_url="sqlite:///data/loom.db", release=sys.argv[3], db_revision=None)
print(json.dumps({"seconds": time.perf_counter() - begin, "bytes": info.size}))
"""

SNAPSHOT = """
import json, sys, time
from loom_upgrade.verify import snapshot_rows
begin = time.perf_counter()
snapshot = snapshot_rows("sqlite:///" + sys.argv[1])
rows = sum(t.rows for t in snapshot.tables.values())
print(json.dumps({"seconds": time.perf_counter() - begin, "rows": rows}))
"""

COPY = """
import json, shutil, sys, time
begin = time.perf_counter()
shutil.copyfile(sys.argv[1], sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - begin}))
"""


def measure(command: list[str]) -> dict:
    """Run ``command``; return its JSON output (or its wall time) and its own peak RSS."""
    begin = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - begin
    output = process.stdout.read().decode()
    process.stdout.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[0]} failed with {status}")
    result = json.loads(output) if output.strip().startswith("{") else {"seconds": wall}
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=1_000_000)
    parser.add_argument("--release", default="1.0.0")
    parser.add_argument("--keep", type=Path, help="build the home here and keep it")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="loom-bench-backup-"))
    home = folder / "home"
    python = sys.executable
    try:
        if not home.exists():
            built = measure([python, "-m", "fixtures.build", "--release", args.release, "--turns", str(args.turns),
                             "--out", str(home)])
            print(f"built {args.turns} turns at {args.release} in {built['seconds']:.1f} s")
        database = home / "data" / "loom.db"
        print(f"database: {database.stat().st_size / 1e6:.1f} MB")

        create = measure([python, "-c", CREATE, str(home), str(folder / "state"), args.release])
        dot_backup = measure(["sqlite3", str(database), f".backup '{folder / 'dot-backup.db'}'"])
        plain = measure([python, "-c", COPY, str(database), str(folder / "plain-copy.db")])
        snapshot = measure([python, "-c", SNAPSHOT, str(database)])

        print(f"create_backup (copy + archive + verify): {create['seconds']:8.2f} s  peak RSS {create['peak_rss_mb']:6.1f} MB")
        print(f"sqlite3 .backup:                         {dot_backup['seconds']:8.2f} s  peak RSS {dot_backup['peak_rss_mb']:6.1f} MB")
        print(f"file copy:                               {plain['seconds']:8.2f} s  peak RSS {plain['peak_rss_mb']:6.1f} MB")
        print(f"snapshot_rows ({snapshot['rows']} rows):          {snapshot['seconds']:8.2f} s  peak RSS {snapshot['peak_rss_mb']:6.1f} MB")
        print(f"ratio create_backup / sqlite3 .backup: {create['seconds'] / dot_backup['seconds']:.2f}")
        print(f"ratio create_backup / file copy:       {create['seconds'] / plain['seconds']:.2f}")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
