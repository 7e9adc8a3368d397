"""Benchmark: ``export_database`` / ``import_database`` vs raw sqlite3 + json floors.

    .venv/bin/python bench/exchange.py [--turns 1000000] [--release 1.1.0]

A home is built with fixtures.build. The export floor reads every table with a plain
sqlite3 cursor and writes one ``json.dumps`` line per row (no types, no header). The
import floor reads those lines back with ``json.loads`` and inserts them with sqlite3
``executemany`` into a database at the same revision, foreign keys and FTS triggers as
they are. Each step runs in its own process, so each peak RSS is its own.
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


def _tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
        "AND name NOT LIKE 'memory_facts_fts%' AND name NOT LIKE 'sqlite_%' AND name <> 'alembic_version' ORDER BY rowid"
    )
    return [row[0] for row in rows]


def step(name: str, folder: Path) -> dict:
    from loom_migrations import runner
    from loom_runtime.storage.exchange import export_database, import_database

    source = folder / "home" / "data" / "loom.db"
    revision = runner.current_revision(f"sqlite:///{source}")
    started = time.perf_counter()
    if name == "export":
        export_database(f"sqlite:///{source}", folder / "export.json")
    elif name == "import":
        runner.upgrade(f"sqlite:///{folder / 'import.db'}", revision)
        started = time.perf_counter()
        import_database(f"sqlite:///{folder / 'import.db'}", folder / "export.json")
    elif name == "raw-export":
        connection = sqlite3.connect(source)
        with (folder / "raw.jsonl").open("w", encoding="utf-8") as out:
            for table in _tables(connection):
                out.write(json.dumps({"table": table}) + "\n")
                for row in connection.execute(f"SELECT * FROM {table}"):
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
        connection.close()
    elif name == "raw-import":
        runner.upgrade(f"sqlite:///{folder / 'raw.db'}", revision)
        started = time.perf_counter()
        connection = sqlite3.connect(folder / "raw.db")
        table, batch = None, []
        with (folder / "raw.jsonl").open(encoding="utf-8") as lines:
            for line in lines:
                value = json.loads(line)
                if isinstance(value, dict):
                    if batch:
                        connection.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(batch[0]))})", batch)
                    table, batch = value["table"], []
                    continue
                batch.append(value)
                if len(batch) >= 2000:
                    connection.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(batch[0]))})", batch)
                    batch = []
        if batch:
            connection.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(batch[0]))})", batch)
        connection.commit()
        connection.close()
    return {"seconds": time.perf_counter() - started, "peak_rss_mb": _peak_rss_mb()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=1_000_000)
    parser.add_argument("--release", default="1.1.0")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step(args.step, args.folder)))
        return 0

    with tempfile.TemporaryDirectory(prefix="loom-bench-exchange-") as name:
        folder = Path(name)
        # Built in a child process: Linux keeps a parent's peak RSS in the children it forks.
        subprocess.run(
            [sys.executable, "-m", "fixtures.build", "--release", args.release, "--turns", str(args.turns),
             "--out", str(folder / "home")],
            check=True, capture_output=True, cwd=ROOT,
        )
        results = {}
        for step_name in ("raw-export", "export", "raw-import", "import"):
            output = subprocess.run(
                [sys.executable, __file__, "--step", step_name, "--folder", str(folder)],
                check=True, capture_output=True, text=True,
            ).stdout
            results[step_name] = json.loads(output.strip().splitlines()[-1])
        size_mb = (folder / "export.json").stat().st_size / 1e6
    print(f"export/import, release {args.release}, {args.turns} turns, document {size_mb:.0f} MB")
    for kind in ("export", "import"):
        ours, raw = results[kind], results[f"raw-{kind}"]
        print(f"  {kind}: {ours['seconds']:.1f} s (peak RSS {ours['peak_rss_mb']:.0f} MB), "
              f"raw floor {raw['seconds']:.1f} s (peak RSS {raw['peak_rss_mb']:.0f} MB), "
              f"ratio {ours['seconds'] / raw['seconds']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
