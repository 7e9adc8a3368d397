"""Rows written after a backup, which a rollback to that backup would discard."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from loom_upgrade.backup.model import BackupInfo
from loom_upgrade.verify.marks import TableWrites, writes_since


def rows_written_since(
    backup: BackupInfo,
    db_url: str | URL,
    *,
    rules: Mapping[str, Any] | Sequence[Mapping[str, Any]] = (),
    home: Path | None = None,
) -> list[TableWrites]:
    """Return the tables of ``db_url`` with rows added or updated since ``backup`` was taken.

    ``rules`` are the row rules of the hops applied since the backup, so that renamed
    tables are matched with their names at backup time. An empty list means a rollback
    discards no writes.
    """
    if backup.manifest is None:
        return []
    marks = backup.manifest["db"].get("tables") or {}
    return writes_since(marks, db_url, rules=rules, home=home)
