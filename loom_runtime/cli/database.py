"""Database steps shared by the sub-commands: schema revision, upgrade and the release marker.

Errors of the migration runner carry English text; they are translated here, at the
command line's boundary, into ``CliError`` with a message and a fix.
"""

from __future__ import annotations

import logging

from packaging.version import Version

from loom_runtime._version import __version__
from loom_runtime.api.schema_status import SchemaStatus, expected_revision, schema_status
from loom_runtime.cli.errors import CliError
from loom_runtime.config import Settings
from loom_runtime.i18n import _

logger = logging.getLogger(__name__)


def _translate(exc: Exception, settings: Settings) -> CliError:
    from loom_migrations import errors

    if isinstance(exc, errors.DatabaseNotFoundError):
        return CliError(_("The database file {path} does not exist.").format(path=exc.path),
                        _("create the home's database with `loom init`, or correct storage.url in the config."))
    if isinstance(exc, errors.UnknownRevisionError):
        return CliError(_("The database is at revision {revision}, which this release does not know.").format(revision=exc.revision),
                        _("install the LOOM release that wrote it, or restore the database from a backup."))
    if isinstance(exc, errors.WrongDirectionError):
        return CliError(_("The database is at revision {current}, newer than revision {target} of release {release}.").format(
            current=exc.current, target=exc.target, release=__version__),
            _("run the LOOM release that matches the database; `loom db upgrade` never downgrades."))
    return CliError(_("The database migration failed: {detail}").format(detail=getattr(exc, "message", str(exc))),
                    getattr(exc, "fix", None))


def _connection_error(exc: Exception, settings: Settings) -> CliError | None:
    """Return the error for a PostgreSQL server that cannot be reached, or None for other errors."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import InterfaceError, OperationalError

    from loom_runtime.storage.connection_errors import describe_connection_failure

    if not isinstance(exc, (OperationalError, InterfaceError)):
        return None
    if make_url(settings.storage_url).get_backend_name() != "postgresql":
        return None
    failure = describe_connection_failure(exc, settings.storage_url)
    logger.debug("cannot connect to %s", settings.storage_url_for_display(), exc_info=exc)
    return CliError(failure.message, failure.fix)


def current_revision(settings: Settings) -> str | None:
    from loom_migrations import errors, runner

    try:
        return runner.current_revision(settings.storage_url)
    except errors.MigrationsError as exc:
        raise _translate(exc, settings) from exc
    except Exception as exc:
        translated = _connection_error(exc, settings)
        if translated is None:
            raise
        raise translated from exc


def recorded_release(settings: Settings) -> str | None:
    from loom_migrations import runner

    return runner.read_release(settings.storage_url)


def status(settings: Settings) -> SchemaStatus:
    return schema_status(current_revision(settings))


def upgrade_to_release(settings: Settings, create: bool = False) -> tuple[str | None, str, list[str]]:
    """Upgrade the database to this release's revision; return (before, after, applied revisions).

    ``create`` allows a missing SQLite file to be created (``loom init``); otherwise a
    missing file is an error, because it usually means a wrong storage URL.
    """
    from loom_migrations import errors, runner

    target = expected_revision()
    try:
        if not create:
            runner.current_revision(settings.storage_url)  # raises DatabaseNotFoundError
        result = runner.upgrade(settings.storage_url, target)
        _record_release(settings)
    except errors.MigrationsError as exc:
        raise _translate(exc, settings) from exc
    except Exception as exc:
        translated = _connection_error(exc, settings)
        if translated is None:
            raise
        raise translated from exc
    return result.from_revision, target, list(result.applied)


def _record_release(settings: Settings) -> None:
    """Record this release in loom_meta unless a newer release of the same schema wrote it."""
    from loom_migrations import runner

    recorded = runner.read_release(settings.storage_url)
    if recorded is not None:
        try:
            if Version(recorded) >= Version(__version__):
                return
        except ValueError:
            logger.warning("loom_meta contains the invalid release %r; replacing it", recorded)
    runner.write_release(settings.storage_url, __version__)


def expected_revision_of_release() -> str:
    return expected_revision()


def open_engine(settings: Settings):
    """Return an engine for the home's database, refusing one this release cannot serve."""
    from loom_runtime.storage.engine import create_storage_engine

    found = status(settings)
    if not found.servable:
        raise CliError(found.reason or "", found.fix)
    return create_storage_engine(settings.storage_url)
