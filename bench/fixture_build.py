"""Benchmark: building a fixture home with the builder vs raw sqlite3 INSERTs of the same rows.

    .venv/bin/python bench/fixture_build.py [--turns 1000000] [--release 1.1.0]

Each side runs in its own process so that its peak RSS is its own. The floor inserts the
builder's exact rows (same generators, same schema with its indexes and FTS triggers)
one ``INSERT`` per row in a single transaction, with SQLite's default PRAGMAs: the
obvious hand-written loader. The ratio is builder time / floor time (lower is better).
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_builder(release: str, turns: int, folder: Path) -> dict:
    from fixtures.build import build_home

    started = time.perf_counter()
    report = build_home(release, turns, folder / "home")
    return {"seconds": time.perf_counter() - started, "rows": sum(report.rows.values()), "peak_rss_mb": _peak_rss_mb()}


def run_raw(release: str, turns: int, folder: Path) -> dict:
    import random
    from datetime import datetime, timedelta

    from fixtures import build
    from loom_migrations import catalog_lookup
    from loom_migrations.fingerprint import snapshot_path

    database = folder / "raw.db"
    connection = sqlite3.connect(database, isolation_level=None)
    connection.executescript(snapshot_path(catalog_lookup.revision_for_release(release)).read_text(encoding="utf-8"))
    schema = build.PhysicalSchema(connection)
    rng = random.Random(7)
    release_date = next(r["date"] for r in catalog_lookup.releases() if str(r["version"]) == release)
    start = datetime.combine(release_date, datetime.min.time()) - timedelta(days=30)
    sessions = build._sessions(rng, turns, start)
    sources = [
        ("narrative_sessions", build.SESSION_COLUMNS, (s.row for s in sessions)),
        ("narrative_turns", build.TURN_COLUMNS, build._turns(rng, sessions)),
        ("memory_facts", build.FACT_COLUMNS, build._facts(random.Random(8), sessions)),
        ("metrics", build.METRIC_COLUMNS, build._metrics(random.Random(9), turns, start)),
        ("interventions", build.INTERVENTION_COLUMNS, build._interventions(random.Random(10), sessions)),
    ]
    started = time.perf_counter()
    connection.execute("BEGIN")
    rows = 0
    for logical, columns, generator in sources:
        physical = schema.table(logical)
        if physical is None:
            continue
        present = schema.columns(physical)
        keep = [i for i, column in enumerate(columns) if schema.column(logical, column) in present]
        sql = (f"INSERT INTO {physical} ({', '.join(schema.column(logical, columns[i]) for i in keep)}) "
               f"VALUES ({', '.join('?' for _ in keep)})")
        for row in generator:
            connection.execute(sql, tuple(row[i] for i in keep))
            rows += 1
    connection.execute("COMMIT")
    connection.close()
    return {"seconds": time.perf_counter() - started, "rows": rows, "peak_rss_mb": _peak_rss_mb()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=1_000_000)
    parser.add_argument("--release", default="1.1.0")
    parser.add_argument("--phase", choices=["build", "raw"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        runner = run_builder if args.phase == "build" else run_raw
        print(json.dumps(runner(args.release, args.turns, args.folder)))
        return 0

    results = {}
    for phase in ("raw", "build"):
        with tempfile.TemporaryDirectory(prefix=f"loom-bench-{phase}-") as folder:
            output = subprocess.run(
                [sys.executable, __file__, "--phase", phase, "--turns", str(args.turns), "--release", args.release,
                 "--folder", folder],
                check=True, capture_output=True, text=True,
            ).stdout
            results[phase] = json.loads(output.strip().splitlines()[-1])
    raw, built = results["raw"], results["build"]
    print(f"fixture build, release {args.release}, {args.turns} turns")
    print(f"  raw sqlite3 INSERTs: {raw['seconds']:.1f} s for {raw['rows']} rows, peak RSS {raw['peak_rss_mb']:.0f} MB")
    print(f"  fixtures.build:      {built['seconds']:.1f} s for {built['rows']} rows, peak RSS {built['peak_rss_mb']:.0f} MB")
    print(f"  ratio build/raw: {built['seconds'] / raw['seconds']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
