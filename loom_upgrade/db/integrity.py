"""``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check`` on a SQLite file, read-only."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def _connect_read_only(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise FileNotFoundError(str(path))
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def integrity_problems(path: Path) -> list[str]:
    """Return the problems ``PRAGMA integrity_check`` reports; empty when the file is sound."""
    connection = _connect_read_only(path)
    try:
        rows = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    finally:
        connection.close()
    return [] if rows == ["ok"] else rows


def foreign_key_violations(path: Path) -> list[tuple[str, int, str]]:
    """Return ``(table, rowid, referred table)`` for every row whose parent is missing."""
    connection = _connect_read_only(path)
    try:
        return [(row[0], row[1], row[2]) for row in connection.execute("PRAGMA foreign_key_check")]
    finally:
        connection.close()
