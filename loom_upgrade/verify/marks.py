"""Per-table high-water marks, recorded with a backup, to find rows written after it.

A mark is a table's row count, its largest integer primary key, and its latest
``created_at`` and ``updated_at`` values. Comparing the marks stored in a backup's manifest
with the live database shows ``rollback`` which rows it would discard.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, Connection

from loom_upgrade.i18n import _
from loom_upgrade.verify.tables import TableInfo, integer_key, open_engine, quote, reflect_tables

TIME_COLUMNS = ("created_at", "updated_at")


def table_marks(connection: Connection) -> dict[str, dict[str, Any]]:
    """Return ``{table: {rows, max_id, max_created_at, max_updated_at}}`` for every data table."""
    marks = {}
    for table in reflect_tables(connection):
        selects = ["count(*)"]
        key = integer_key(table)
        selects.append(f"max({quote(connection, key)})" if key else "NULL")
        for column in TIME_COLUMNS:
            selects.append(f"max({quote(connection, column)})" if column in table.columns else "NULL")
        row = connection.exec_driver_sql(f"SELECT {', '.join(selects)} FROM {quote(connection, table.name)}").one()
        marks[table.name] = {
            "rows": int(row[0]),
            "max_id": int(row[1]) if row[1] is not None else None,
            "max_created_at": _as_text(row[2]),
            "max_updated_at": _as_text(row[3]),
        }
    return marks


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat(sep=" ") if isinstance(value, datetime) else str(value)


@dataclass(frozen=True)
class TableWrites:
    """Rows of one table that differ from a backup, as far as its marks can tell."""

    table: str
    rows_at_backup: int
    rows_now: int
    new_rows: int
    updated_rows: int

    @property
    def changed(self) -> bool:
        return self.new_rows > 0 or self.updated_rows > 0 or self.rows_now != self.rows_at_backup

    def message(self) -> str:
        return _("{table}: {new} rows added and {updated} rows updated since the backup ({before} rows then, {now} now).").format(
            table=self.table, new=self.new_rows, updated=self.updated_rows, before=self.rows_at_backup, now=self.rows_now
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table, "rows_at_backup": self.rows_at_backup, "rows_now": self.rows_now,
            "new_rows": self.new_rows, "updated_rows": self.updated_rows, "message": self.message(),
        }


def writes_since(
    marks: Mapping[str, Mapping[str, Any]],
    db_url: str | URL,
    *,
    rules: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Mapping[str, Any]]] = (),
    home: Path | None = None,
) -> list[TableWrites]:
    """Compare backup-time ``marks`` with the database at ``db_url``; return the changed tables.

    ``rules`` (the row rules of the hops applied since the backup) map renamed tables back
    to their names at backup time. A table that did not exist then counts all its rows.
    """
    old_name = _old_names(rules)
    engine = open_engine(db_url, home)
    try:
        with engine.connect() as connection:
            found = []
            for table in reflect_tables(connection):
                mark = marks.get(old_name.get(table.name, table.name))
                writes = _table_writes(connection, table, mark)
                if writes.changed:
                    found.append(writes)
            return found
    finally:
        engine.dispose()


def _old_names(rules: Any) -> dict[str, str]:
    hops = [rules] if isinstance(rules, Mapping) else list(rules)
    names: dict[str, str] = {}
    for hop in hops:
        for name, rule in (hop or {}).items():
            source = (rule or {}).get("renamed_from")
            if source:
                names[name] = names.pop(source, source)
    return names


def _table_writes(connection: Connection, table: TableInfo, mark: Mapping[str, Any] | None) -> TableWrites:
    name = quote(connection, table.name)
    rows_now = int(connection.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar_one())
    if mark is None:
        return TableWrites(table.name, 0, rows_now, rows_now, 0)
    new_rows = _count_after(connection, table, integer_key(table), mark.get("max_id"))
    if new_rows is None:
        new_rows = _count_after(connection, table, "created_at", mark.get("max_created_at"))
    if new_rows is None:
        new_rows = max(0, rows_now - int(mark["rows"]))
    updated = _count_after(connection, table, "updated_at", mark.get("max_updated_at")) or 0
    return TableWrites(table.name, int(mark["rows"]), rows_now, new_rows, max(0, updated - new_rows))


def _count_after(connection: Connection, table: TableInfo, column: str | None, threshold: Any) -> int | None:
    """Count rows whose ``column`` is above ``threshold``; None when that cannot be asked."""
    if column is None or column not in table.columns:
        return None
    where = f"{quote(connection, column)} > ?" if connection.dialect.name == "sqlite" else f"{quote(connection, column)} > %s"
    sql = f"SELECT count(*) FROM {quote(connection, table.name)}"
    if threshold is None:
        return int(connection.exec_driver_sql(sql + f" WHERE {quote(connection, column)} IS NOT NULL").scalar_one())
    if column in TIME_COLUMNS and connection.dialect.name == "postgresql":
        threshold = datetime.fromisoformat(str(threshold))
    return int(connection.exec_driver_sql(sql + " WHERE " + where, (threshold,)).scalar_one())
