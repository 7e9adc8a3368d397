"""A small LOOM home for planning tests: the config shape, ``.env`` and database markers
(``alembic_version``, ``loom_meta``) of a given release, with some turns.

It does not build a full schema; tests that need real release data use
``tests.support.homes.make_home`` from the storage area.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from packaging.version import Version

from loom_upgrade.catalog import load_catalog


def _config_text(release: Version) -> str:
    lines = ["server:", "  host: 127.0.0.1", "  port: 8000"]
    if Version("0.9.2") <= release < Version("1.0.0") or release >= Version("1.0.0"):
        if release >= Version("0.9.2"):
            lines.append("  request_timeout: 30")
    lines += ["llm_providers:", "  default: offline", "  offline:", "    model: echo", "    temperature: 0.7"]
    if release >= Version("1.0.0"):
        lines += ["storage:", "  url: sqlite:///data/loom.db"]
    else:
        lines += ["storage:", "  path: data/loom.db"]
    lines += ["canon:", "  default: canon/default.md", "logging:", "  level: info"]
    if Version("0.9.0") <= release < Version("0.10.0"):
        lines += ["engine:", "  max_turns: 500", "  seed_sessions: true"]
    if release >= Version("0.10.0"):
        lines += ["interpreter:", "  max_turns: 500", "  seed_sessions: true", "  mode: advanced"]
        lines += ["consistency:", "  level: medium", "memory:"]
        if release < Version("1.0.0"):
            lines.append("  storage_type: sqlite")
        lines.append("  max_facts_per_turn: 8")
        if release >= Version("1.1.0"):
            lines.append("  retrieval_limit: 8")
    return "\n".join(lines) + "\n"


def build_home(root: Path, release: str, *, turns: int = 20, record_release: bool = True) -> Path:
    """Write a home for ``release`` under ``root`` and return its path."""
    catalog = load_catalog()
    entry = catalog.release(release)
    home = root
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "canon").mkdir(exist_ok=True)
    (home / "data").mkdir(exist_ok=True)
    (home / "config" / "default_config.yaml").write_text(_config_text(entry.version), encoding="utf-8")
    (home / ".env").write_text("# operator settings\nLOOM_LOG_LEVEL=info\n", encoding="utf-8")
    (home / "canon" / "default.md").write_text("# Opening\n\nA quiet harbour town.\n", encoding="utf-8")

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
