"""A small LOOM home for planning tests: the config, ``.env``, canon and plugins of a
release's fixture home, with a database holding only the markers (``alembic_version``,
``loom_meta``) and a table of turns.

It does not build a full schema; tests that need real release data use
``tests.support.homes.make_home`` from the storage area.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from loom_upgrade.catalog import load_catalog

TEMPLATES = Path(__file__).resolve().parents[2] / "fixtures" / "homes"


def build_home(root: Path, release: str, *, turns: int = 20, record_release: bool = True) -> Path:
    """Write a home for ``release`` under ``root`` and return its path."""
    catalog = load_catalog()
    entry = catalog.release(release)
    home = root
    shutil.copytree(TEMPLATES / release, home, ignore=shutil.ignore_patterns("*.db", ".gitkeep"))
    (home / "data").mkdir(exist_ok=True)

    connection = sqlite3.connect(home / "data" / "loom.db")
    with connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES (?)", (entry.db_revision,))
        connection.execute("CREATE TABLE loom_meta (key VARCHAR(64) PRIMARY KEY, value TEXT NOT NULL)")
        if record_release:
            connection.execute("INSERT INTO loom_meta VALUES ('release', ?)", (release,))
        connection.execute("CREATE TABLE turns (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        connection.executemany("INSERT INTO turns (body) VALUES (?)", [("turn %d " % i * 20,) for i in range(turns)])
    connection.close()
    return home
