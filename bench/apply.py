"""Benchmark ``loom-upgrade apply`` on a large SQLite home against raw sqlite3 floors.

    python bench/apply.py [--turns 1000000] [--keep]

Builds a 1.0.0 home with ``--turns`` turns, then measures in one run:

- ``sqlite3 loom.db ".backup copy.db"``: the floor for the backup step;
- the same SQL the 1.0.0 -> 1.1.0 migration runs (``sql_preview``), fed to the sqlite3
  CLI on a copy of the database: the floor for the database steps;
- ``loom-upgrade apply --to 1.1.0 --no-artifact --yes`` on the home: wall time, the
  backup step's own time from the journal, and the peak RSS of the apply process.

It prints each time, the ratios against the floors, and the peak RSS. Not part of the
test run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fixtures.build import build_home  # noqa: E402
from loom_migrations.runner import sql_preview  # noqa: E402


def timed(argv: list[str], **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    began = time.perf_counter()
    completed = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    seconds = time.perf_counter() - began
    if completed.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    return seconds, completed


def backup_floor(database: Path, scratch: Path) -> float:
    seconds, _completed = timed(["sqlite3", str(database), f".backup '{scratch / 'floor-backup.db'}'"])
    return seconds


def migration_floor(database: Path, scratch: Path) -> float:
    copy = scratch / "floor-migrate.db"
    shutil.copyfile(database, copy)
    sql = sql_preview(f"sqlite:///{copy}", "1002", "1100")
    seconds, _completed = timed(["sqlite3", str(copy)], input=sql)
    return seconds


def apply_run(home: Path) -> tuple[float, float, float]:
    """Run apply; return wall seconds, the backup step's seconds and the peak RSS in MiB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    env = dict(os.environ, NO_COLOR="1")
    seconds, _completed = timed(
        [sys.executable, "-m", "loom_upgrade", "apply", "--home", str(home), "--to", "1.1.0", "--no-artifact", "--yes"],
        env=env,
        cwd=ROOT,
    )
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    journal = sorted((home / ".loom-upgrade" / "journal").glob("*.jsonl"))[-1]
    backup_seconds = 0.0
    for line in journal.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("type") == "step" and record.get("id") == "backup" and record.get("status") == "done":
            backup_seconds = record["data"]["seconds"]
    # ru_maxrss of children is the largest child so far; the sqlite3 runs before are far smaller.
    return seconds, backup_seconds, max(peak_kib, before) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="loom-bench-apply-"))
    try:
        home = scratch / "home"
        began = time.perf_counter()
        build_home("1.0.0", args.turns, home)
        database = home / "data" / "loom.db"
        print(f"home: 1.0.0, {args.turns} turns, {database.stat().st_size / 2**20:.0f} MiB, built in {time.perf_counter() - began:.1f} s")

        backup_raw = backup_floor(database, scratch)
        migrate_raw = migration_floor(database, scratch)
        apply_seconds, backup_seconds, peak_mib = apply_run(home)

        print(f"sqlite3 .backup                  {backup_raw:8.2f} s")
        print(f"sqlite3 CLI, migration SQL       {migrate_raw:8.2f} s")
        print(f"apply backup step                {backup_seconds:8.2f} s   {backup_seconds / backup_raw:6.2f}x sqlite3 .backup")
        floor = backup_raw + migrate_raw
        print(f"apply, whole run                 {apply_seconds:8.2f} s   {apply_seconds / floor:6.2f}x backup + migration floors")
        print(f"apply peak RSS                   {peak_mib:8.1f} MiB")
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
