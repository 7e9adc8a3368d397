"""The service's database engine and the schema revision it reads for /health and /ready."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine


def service_engine(url: str) -> Engine:
    """Return the storage layer's pooled engine (SQLite: WAL, foreign keys, busy timeout)."""
    from loom_runtime.storage.engine import create_storage_engine

    return create_storage_engine(url, pool_pre_ping=True)


def read_revision(engine: Engine) -> str | None:
    """Return the Alembic revision of the database, or None when it has none."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
