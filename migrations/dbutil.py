"""Connections and table listings shared by the runner, the fingerprint and the exporter.

The migration engine differs from the runtime's on purpose: it uses no pool, leaves the
journal mode alone (so a rejected run leaves the file byte-identical), and on SQLite hands
transaction control to SQLAlchemy so that DDL is transactional and PRAGMAs can run before
BEGIN.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url

from loom_migrations.errors import DatabaseNotFoundError

# Shadow tables that FTS5 keeps for each virtual table; they contain index data, not rows.
FTS5_SHADOW_SUFFIXES = ("_data", "_idx", "_content", "_docsize", "_config")
BATCH_TEMP_PREFIX = "_alembic_tmp_"


def is_sqlite(url: str | sa.URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str | sa.URL) -> Path | None:
    """Return the file of a SQLite URL, or None for memory databases and other dialects."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def require_existing(url: str | sa.URL) -> None:
    """Raise DatabaseNotFoundError rather than let SQLite create an empty file."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise DatabaseNotFoundError(str(path))


def migration_engine(url: str | sa.URL, *, foreign_keys: bool = False) -> Engine:
    """Return an engine whose SQLite connections start with foreign keys off and explicit BEGIN.

    SQLite ignores ``PRAGMA foreign_keys`` inside a transaction, so it is set when the
    connection opens, before the first BEGIN; the pysqlite driver's own implicit
    transactions are turned off so that DDL runs inside the transaction SQLAlchemy begins.
    """
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    if engine.dialect.name != "sqlite":
        return engine

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        dbapi_connection.execute("PRAGMA busy_timeout=5000")

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN")

    return engine


def virtual_tables(connection: Connection) -> list[str]:
    """Return SQLite virtual tables (FTS5); empty on other dialects."""
    if connection.dialect.name != "sqlite":
        return []
    rows = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
    )
    return sorted(row[0] for row in rows)


def data_tables(connection: Connection) -> list[str]:
    """Return the tables that contain rows: no virtual tables, FTS shadows or SQLite internals."""
    names = sa.inspect(connection).get_table_names()
    virtual = virtual_tables(connection)
    shadows = {f"{table}{suffix}" for table in virtual for suffix in FTS5_SHADOW_SUFFIXES}
    return sorted(
        name for name in names
        if name not in virtual and name not in shadows and not name.startswith("sqlite_")
    )


def row_counts(connection: Connection) -> dict[str, int]:
    """Return the row count of every data table."""
    preparer = connection.dialect.identifier_preparer
    return {
        table: connection.exec_driver_sql(f"SELECT count(*) FROM {preparer.quote(table)}").scalar_one()
        for table in data_tables(connection)
    }


def stale_batch_tables_on(connection: Connection) -> list[str]:
    return [name for name in sa.inspect(connection).get_table_names() if name.startswith(BATCH_TEMP_PREFIX)]


def current_revision_on(connection: Connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
