"""A small LOOM home with a live WAL database, for the backup tests."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

CONFIG = """\
# LOOM settings
storage:
  url: sqlite:///data/loom.db
canon:
  default: canon/default.md
"""


def write_home(home: Path) -> Path:
    """Create config, .env, canon (with a relative symlink), plugins and an empty data folder."""
    (home / "config").mkdir(parents=True)
    (home / "config" / "default_config.yaml").write_text(CONFIG, encoding="utf-8")
    (home / ".env").write_text("OPENAI_API_KEY=sk-test-secret\n", encoding="utf-8")
    (home / "canon").mkdir()
    (home / "canon" / "default.md").write_text("# 世界\n\n## Opening\nA quiet harbour.\n", encoding="utf-8")
    (home / "canon" / "世界.md").write_text("## 规则\n", encoding="utf-8")
    os.symlink("default.md", home / "canon" / "alias.md")
    (home / "plugins" / "dice-roller").mkdir(parents=True)
    (home / "plugins" / "dice-roller" / "loom-plugin.yaml").write_text("api_version: 1\nname: dice-roller\n")
    (home / "data").mkdir()
    return home


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return write_home(tmp_path / "home")


@pytest.fixture
def live_db(home: Path) -> Iterator[sqlite3.Connection]:
    """An open WAL connection with committed rows that are still only in the -wal file."""
    connection = sqlite3.connect(home / "data" / "loom.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute(
        "CREATE TABLE jobs(id INTEGER PRIMARY KEY, title TEXT NOT NULL, created_at DATETIME, done BOOLEAN)"
    )
    connection.execute(
        "INSERT INTO jobs(title, created_at, done) VALUES "
        "('job-1', '2026-01-01 10:00:00', 0), ('job-2', '2026-01-02 10:00:00', 1), ('job-3', NULL, 0)"
    )
    yield connection
    connection.close()


def db_url(home: Path) -> str:
    return f"sqlite:///{home / 'data' / 'loom.db'}"


def tree_digest(root: Path, *, skip: tuple[str, ...] = (".loom-upgrade", "data")) -> dict[str, str]:
    """Map every path under ``root`` to its content (files), target (symlinks) or 'dir'."""
    import hashlib

    found = {}
    for folder, dirnames, filenames in os.walk(root):
        relative_folder = Path(folder).relative_to(root)
        if relative_folder.parts and relative_folder.parts[0] in skip:
            continue
        for name in dirnames + filenames:
            path = Path(folder) / name
            key = str(path.relative_to(root))
            if key.split("/")[0] in skip:
                continue
            if path.is_symlink():
                found[key] = "link:" + os.readlink(path)
            elif path.is_dir():
                found[key] = "dir"
            else:
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found
