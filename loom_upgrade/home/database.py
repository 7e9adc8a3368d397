"""Find a home's database and read what detection needs from it, read-only.

SQLite files are opened with ``mode=ro`` so that detection and preflight never create or
change the file (not even its journal mode).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from loom_upgrade.errors import UsageError
from loom_upgrade.home.model import TableStats
from loom_upgrade.i18n import _

log = logging.getLogger(__name__)

DEFAULT_SQLITE = Path("data") / "loom.db"


def database_url(home: Path, config: dict[str, Any], env: dict[str, str | None]) -> str:
    """Return the SQLAlchemy URL of the home's database, with relative SQLite paths made absolute.

    From 1.0.0, ``LOOM_STORAGE_URL`` in ``.env`` overrides ``storage.url``; before it,
    ``storage.path`` names the SQLite file.
    """
    storage = config.get("storage") if isinstance(config.get("storage"), dict) else {}
    url = env.get("LOOM_STORAGE_URL") or storage.get("url")
    if not url:
        path = Path(str(storage.get("path") or DEFAULT_SQLITE))
        return "sqlite:///" + str(path if path.is_absolute() else home / path)
    try:
        parsed = make_url(str(url))
    except ArgumentError as exc:
        raise UsageError(
            _("The storage URL of the home is not a valid database URL."),
            path=home / "config" / "default_config.yaml",
            fix=_("Set storage.url to a URL such as sqlite:///data/loom.db or postgresql+psycopg://user@host/db."),
        ) from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).is_absolute():
        return "sqlite:///" + str(home / parsed.database)
    return str(url)


def redact(url: str) -> str:
    """Return the URL with any password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


def read_only_engine(url: str) -> Engine:
    """Create an engine that cannot change the database (SQLite ``mode=ro``)."""
    path = sqlite_path(url)
    if path is not None:
        uri = path.resolve().as_uri() + "?mode=ro"
        return create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    return create_engine(url, connect_args={"connect_timeout": 5}, pool_pre_ping=False)


@contextmanager
def connected(url: str) -> Iterator[Any]:
    engine = read_only_engine(url)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _scalar(connection: Any, sql: str, **params: Any) -> Any:
    try:
        return connection.execute(text(sql), params).scalar()
    except SQLAlchemyError:
        connection.rollback()
        return None


def read_markers(connection: Any) -> tuple[str | None, str | None]:
    """Return (release recorded in loom_meta, Alembic revision), each None when absent."""
    tables = set(inspect(connection).get_table_names())
    release = _scalar(connection, "SELECT value FROM loom_meta WHERE key = 'release'") if "loom_meta" in tables else None
    revision = _scalar(connection, "SELECT version_num FROM alembic_version") if "alembic_version" in tables else None
    return release, revision


def table_stats(connection: Any) -> dict[str, TableStats]:
    """Return the row count and, where the database reports it, the size of every table."""
    names = inspect(connection).get_table_names()
    sizes = _table_sizes(connection)
    stats = {}
    for name in names:
        quoted = connection.dialect.identifier_preparer.quote(name)
        rows = _scalar(connection, f"SELECT count(*) FROM {quoted}") or 0
        stats[name] = TableStats(rows=int(rows), bytes=sizes.get(name))
    return stats


def _table_sizes(connection: Any) -> dict[str, int]:
    try:
        if connection.dialect.name == "sqlite":
            # dbstat is an optional SQLite module; without it sizes stay unknown.
            result = connection.execute(text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
        elif connection.dialect.name == "postgresql":
            result = connection.execute(
                text(
                    "SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
                )
            )
        else:
            return {}
        return {str(name): int(size or 0) for name, size in result}
    except SQLAlchemyError as exc:
        log.debug("table sizes unavailable: %s", exc)
        connection.rollback()
        return {}


def database_bytes(url: str, tables: dict[str, TableStats]) -> int:
    path = sqlite_path(url)
    if path is not None:
        extras = [path, path.with_name(path.name + "-wal")]
        return sum(p.stat().st_size for p in extras if p.is_file())
    return sum(stats.bytes or 0 for stats in tables.values())
