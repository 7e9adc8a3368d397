"""Engines for the runtime database: SQLite in the home, or PostgreSQL through psycopg.

Every SQLite connection gets WAL mode (readers do not block the writer), foreign keys on
(the schema's ON DELETE CASCADE depends on them) and a busy timeout. Migrations do not
use these engines: loom_migrations.runner needs foreign keys off before BEGIN.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

BUSY_TIMEOUT_MS = 5_000


def resolve_url(url: str, home: str | Path) -> str:
    """Return ``url`` with a relative SQLite path made absolute against ``home``.

    ``sqlite:///data/loom.db`` names ``<home>/data/loom.db``; ``sqlite:////abs/path.db``
    is absolute. ``postgresql://`` URLs get the psycopg (version 3) driver.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not Path(database).is_absolute():
            parsed = parsed.set(database=str(Path(home) / database))
        return parsed.render_as_string(hide_password=False)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
        return parsed.render_as_string(hide_password=False)
    return url


def create_storage_engine(url: str, home: str | Path | None = None, **options) -> sa.Engine:
    """Return the runtime's engine for ``url`` (resolved against ``home`` when given)."""
    if home is not None:
        url = resolve_url(url, home)
    engine = sa.create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    # Each PRAGMA runs before the connection's first transaction, where SQLite honours it.
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    dbapi_connection.execute("PRAGMA foreign_keys=ON")
    dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
