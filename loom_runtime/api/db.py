"""The service's database engine and the schema revision it reads for /health and /ready."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine


def service_engine(url: str) -> Engine:
    """Return a pooled engine; SQLite connections enforce foreign keys and wait on locks."""
    engine = sa.create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA foreign_keys=ON")
            dbapi_connection.execute("PRAGMA busy_timeout=5000")
    return engine


def read_revision(engine: Engine) -> str | None:
    """Return the Alembic revision of the database, or None when it has none."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
