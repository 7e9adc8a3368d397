"""Creating a LOOM home (``loom init``) and recreating only its database (``--force``)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy.engine import make_url

from loom_runtime._version import __version__
from loom_runtime.cli import database
from loom_runtime.cli.errors import CliError
from loom_runtime.config import config_path, env_path, load_settings
from loom_runtime.config.settings import Settings
from loom_runtime.config.template import default_config_text, default_env_text
from loom_runtime.i18n import _, current_language

logger = logging.getLogger(__name__)


@dataclass
class InitResult:
    created_files: list[Path] = field(default_factory=list)
    created_folders: list[Path] = field(default_factory=list)
    database_url: str = ""
    revision: str = ""
    recreated_database: bool = False


# .env holds API keys (OPENAI_API_KEY), so only its owner may read or write it.
SECRET_FILE_MODE = 0o600


def _write_new(path: Path, text: str, result: InitResult, mode: int = 0o666) -> None:
    """Write ``path`` only when it does not exist: init never overwrites a user's file.

    ``mode`` is applied when the file is created (and still reduced by the umask), so a
    secret file is never readable by others, not even for a moment.
    """
    if path.exists():
        return
    missing = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    result.created_folders.extend(reversed(missing))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    result.created_files.append(path)


def _starter_canon() -> str:
    from loom_runtime.rules import starter_canon

    return starter_canon("zh" if current_language() == "zh" else "en")


def init_home(home: Path, force: bool = False) -> InitResult:
    """Create the files of a new home and its database at this release's revision.

    Without ``force`` an existing home is an error. With ``force`` only the database is
    recreated; config, .env and canon are read but never rewritten.
    """
    result = InitResult()
    if config_path(home).exists() and not force:
        raise CliError(_("{home} is already a LOOM home: {config} exists.").format(home=home, config=config_path(home)),
                       _("use `loom init --force` to recreate only the database (config, .env and canon stay as they are)."))

    # An existing home is validated before anything is written, so a broken one stays as it
    # was. In a new home, a failure removes the files this call wrote.
    if config_path(home).exists():
        settings = load_settings(home)
        return _finish(home, settings, force, result)
    try:
        config_text = default_config_text(__version__)
    except KeyError as exc:
        raise CliError(_("LOOM {release} cannot create a new home.").format(release=__version__),
                       _("create the home with the newest LOOM release, then migrate it with loom-upgrade.")) from exc
    try:
        _write_new(config_path(home), config_text, result)
        _write_new(env_path(home), default_env_text(), result, mode=SECRET_FILE_MODE)
        return _finish(home, load_settings(home), force, result)
    except BaseException:
        for path in reversed(result.created_files):
            path.unlink(missing_ok=True)
        for folder in reversed(result.created_folders):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        raise


def _finish(home: Path, settings: Settings, force: bool, result: InitResult) -> InitResult:
    """Write the starter canon and plugins/ when missing, then create or recreate the database."""
    if force:
        _recreate_database(settings)
        result.recreated_database = True
    else:
        _create_database(settings)
    _write_new(settings.canon_default, _starter_canon(), result)
    settings.plugins_dir.mkdir(parents=True, exist_ok=True)
    result.database_url = settings.storage_url_for_display()
    result.revision = database.expected_revision_of_release()
    return result


def _sqlite_file(settings: Settings) -> Path | None:
    url = make_url(settings.storage_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _create_database(settings: Settings) -> None:
    path = _sqlite_file(settings)
    if path is not None:
        if path.exists():
            raise CliError(_("The database file {path} already exists.").format(path=path),
                           _("use `loom init --force` to recreate it."))
        path.parent.mkdir(parents=True, exist_ok=True)
    database.upgrade_to_release(settings, create=True)


def _recreate_database(settings: Settings) -> None:
    path = _sqlite_file(settings)
    if path is None:
        _empty_postgres(settings)
        database.upgrade_to_release(settings, create=True)
        return
    # Build the new file beside the old one and swap it in, so a failure keeps the old database.
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = path.with_name(path.name + ".init-new")
    fresh.unlink(missing_ok=True)
    try:
        database.upgrade_to_release(replace(settings, storage_url=f"sqlite:///{fresh}"), create=True)
    except BaseException:
        fresh.unlink(missing_ok=True)
        raise
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    os.replace(fresh, path)
    logger.info("recreated the database %s", path)


def _empty_postgres(settings: Settings) -> None:
    """Drop every object of the database's public schema.

    NOTE: this assumes the database belongs to LOOM alone, as `loom init --force` documents;
    objects of other applications in the public schema are dropped too.
    """
    import sqlalchemy as sa

    engine = sa.create_engine(settings.storage_url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()
    logger.info("emptied the public schema of %s", settings.storage_url_for_display())


# Bookkeeping tables that --force recreates but that hold no user data.
_BOOKKEEPING_TABLES = frozenset({"alembic_version", "loom_meta"})


def _holds_user_rows(table: str) -> bool:
    # The full-text index tables (memory_facts_fts and its SQLite shadow tables) only
    # mirror memory_facts, so counting them would list the same facts twice.
    return table not in _BOOKKEEPING_TABLES and "_fts" not in table


def rows_to_delete(home: Path) -> dict[str, int]:
    """Return the row count of every non-empty data table that ``init --force`` would delete.

    An empty dict means there is nothing to lose: no home yet, no database file yet, or
    only empty tables.
    """
    import sqlalchemy as sa

    if not config_path(home).exists():
        return {}
    settings = load_settings(home)
    path = _sqlite_file(settings)
    if path is not None and not path.exists():
        return {}
    engine = sa.create_engine(settings.storage_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            names = sorted(name for name in sa.inspect(connection).get_table_names() if _holds_user_rows(name))
            counts = {name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
                      for name in names}
    finally:
        engine.dispose()
    return {name: int(count) for name, count in counts.items() if count}
