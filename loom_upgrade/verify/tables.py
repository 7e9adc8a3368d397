"""Reflection of the tables whose rows loom-upgrade compares, and streamed reads of their rows.

Rows are read through the DBAPI cursor in primary-key order (byte order for text keys on
both dialects: SQLite's BINARY collation, ``COLLATE "C"`` on PostgreSQL) in batches, so
memory stays bounded whatever the table size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, Connection, Engine, make_url

from loom_upgrade.verify.canonical import NUMBER, TEXT, category_of

BATCH_ROWS = 2000

# Bookkeeping tables: their content changes on every release by design.
BOOKKEEPING_TABLES = frozenset({"alembic_version", "loom_meta"})

# Shadow tables SQLite creates for an FTS5 virtual table named X are X_<suffix>.
_FTS_SHADOW_SUFFIXES = ("_data", "_idx", "_content", "_docsize", "_config")


@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: tuple[str, ...]
    categories: tuple[str, ...]
    primary_key: tuple[str, ...]

    def category(self, column: str) -> str:
        return self.categories[self.columns.index(column)]


def open_engine(db_url: str | URL, home: Path | None = None) -> Engine:
    """Create an engine for ``db_url``; a relative SQLite path is taken relative to ``home``."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and home is not None:
        path = Path(url.database)
        if not path.is_absolute():
            url = url.set(database=str(Path(home) / path))
    return create_engine(url)


def derived_tables(connection: Connection) -> set[str]:
    """Names of SQLite virtual tables and their shadow tables: indexes, not data."""
    if connection.dialect.name != "sqlite":
        return set()
    rows = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
    ).fetchall()
    names: set[str] = set()
    for name, _sql in rows:
        names.add(name)
        names.update(name + suffix for suffix in _FTS_SHADOW_SUFFIXES)
    return names


def reflect_tables(connection: Connection, *, include_bookkeeping: bool = False) -> list[TableInfo]:
    """Describe every data table, sorted by name; virtual and internal tables are left out."""
    inspector = inspect(connection)
    skipped = derived_tables(connection)
    if not include_bookkeeping:
        skipped |= BOOKKEEPING_TABLES
    tables = []
    for name in sorted(inspector.get_table_names()):
        if name in skipped or name.startswith("sqlite_"):
            continue
        columns = [c for c in inspector.get_columns(name) if not c.get("computed") and not _is_search_vector(c)]
        primary_key = tuple(inspector.get_pk_constraint(name).get("constrained_columns") or ())
        tables.append(
            TableInfo(
                name=name,
                columns=tuple(c["name"] for c in columns),
                categories=tuple(category_of(c["type"]) for c in columns),
                primary_key=primary_key,
            )
        )
    return tables


def _is_search_vector(column: dict) -> bool:
    # A PostgreSQL full-text column is derived from other columns, like the SQLite FTS tables.
    return type(column["type"]).__name__.upper() == "TSVECTOR"


def quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def order_clause(connection: Connection, table: TableInfo) -> str:
    keys = table.primary_key or table.columns
    parts = []
    for key in keys:
        text = quote(connection, key)
        if connection.dialect.name == "postgresql" and table.category(key) == TEXT:
            text += ' COLLATE "C"'
        parts.append(text)
    return ", ".join(parts)


def stream_batches(connection: Connection, table: TableInfo) -> Iterator[list[tuple]]:
    """Yield the rows of ``table`` (its reflected columns, in order), sorted by primary key, in batches."""
    if not table.columns:
        return
    columns = ", ".join(quote(connection, c) for c in table.columns)
    sql = f"SELECT {columns} FROM {quote(connection, table.name)} ORDER BY {order_clause(connection, table)}"
    if connection.dialect.name == "sqlite":
        # sqlite3 cursors already stream; reading them directly skips SQLAlchemy's row
        # wrapping, which costs more than the query on large tables.
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql)
            while batch := cursor.fetchmany(BATCH_ROWS):
                yield batch
        finally:
            cursor.close()
        return
    result = connection.execution_options(stream_results=True, max_row_buffer=BATCH_ROWS).exec_driver_sql(sql)
    try:
        while batch := result.fetchmany(BATCH_ROWS):
            yield batch
    finally:
        result.close()


def stream_rows(connection: Connection, table: TableInfo) -> Iterator[tuple]:
    """Yield every row of ``table`` sorted by primary key."""
    for batch in stream_batches(connection, table):
        yield from batch


def integer_key(table: TableInfo) -> str | None:
    """Return the table's single numeric primary-key column, or None."""
    if len(table.primary_key) == 1 and table.category(table.primary_key[0]) == NUMBER:
        return table.primary_key[0]
    return None
