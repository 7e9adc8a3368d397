"""Opening the runtime database for the engine, and a throw-away one for scripted runs."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa


def engine_for(storage: sa.Engine | str) -> sa.Engine:
    """Return ``storage`` if it is an Engine, else an engine for the URL it contains."""
    if isinstance(storage, sa.Engine):
        return storage
    engine = sa.create_engine(storage)
    if engine.dialect.name == "sqlite":
        # ON DELETE CASCADE of the schema only works with SQLite's foreign keys on.
        @sa.event.listens_for(engine, "connect")
        def _foreign_keys_on(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA foreign_keys=ON")

    return engine


@contextmanager
def temporary_database() -> Iterator[str]:
    """Create a SQLite database at the head revision in a temporary folder; yield its URL."""
    from loom_migrations import runner

    folder = Path(tempfile.mkdtemp(prefix="loom-scripted-"))
    url = f"sqlite:///{folder / 'loom.db'}"
    try:
        runner.upgrade(url, "head")
        yield url
    finally:
        shutil.rmtree(folder, ignore_errors=True)
