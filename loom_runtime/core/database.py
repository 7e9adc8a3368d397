"""Opening the runtime database for the engine, and a throw-away one for scripted runs."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from loom_runtime.storage.engine import create_storage_engine


def engine_for(storage: sa.Engine | str) -> sa.Engine:
    """Return ``storage`` if it is an Engine, else an engine for the URL it contains."""
    if isinstance(storage, sa.Engine):
        return storage
    return create_storage_engine(storage)


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
