"""Turning every known error into a message and an exit code, without a traceback.

Library errors arrive with their own types (config, canon, engine settings, migrations,
SQLAlchemy). Anything not listed here is a bug, so it is re-raised and its traceback
shows.
"""

from __future__ import annotations

import logging

from loom_runtime.cli.errors import CliError
from loom_runtime.cli.output import print_error, stderr_console
from loom_runtime.config import ConfigError
from loom_runtime.i18n import _

logger = logging.getLogger(__name__)


def _click_usage_error(exc: Exception) -> int | None:
    for module in ("typer._click.exceptions", "click.exceptions"):
        try:
            exceptions = __import__(module, fromlist=["ClickException"])
        except ImportError:
            continue
        if isinstance(exc, exceptions.ClickException):
            exc.show()
            return exc.exit_code
    return None


def report_failure(exc: Exception) -> int:
    """Print ``exc`` for the user and return the exit code; re-raise unknown errors."""
    if isinstance(exc, CliError):
        print_error(exc.message, exc.fix)
        return exc.exit_code
    if isinstance(exc, ConfigError):
        console = stderr_console()
        for problem in exc.problems:
            console.print(problem.render(), markup=False)
        return 1
    usage = _click_usage_error(exc)
    if usage is not None:
        return usage
    known = _library_failure(exc)
    if known is not None:
        print_error(*known)
        return 1
    raise exc


def _library_failure(exc: Exception) -> tuple[str, str | None] | None:
    """Return (message, fix) for errors of other layers, or None for an unknown error.

    The engine, plugin and provider errors already carry a translated message that
    names the file or setting at fault and the fix, so they are shown as they are.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from loom_migrations.errors import MigrationsError
    from loom_runtime.consistency import ConsistencyError
    from loom_runtime.core import EngineError, SettingsError
    from loom_runtime.interpretation import ProviderError
    from loom_runtime.plugins import PluginError
    from loom_runtime.rules import CanonError

    if isinstance(exc, (CanonError, SettingsError, ConsistencyError, PluginError, ProviderError, EngineError)):
        return str(exc), None
    if isinstance(exc, MigrationsError):
        from loom_runtime.cli.exchange_errors import describe_storage_error

        return describe_storage_error(exc)
    if isinstance(exc, SQLAlchemyError):
        logger.debug("database error", exc_info=exc)
        return (_("The database cannot be used: {reason}.").format(reason=type(exc).__name__),
                _("check storage.url in the config (or LOOM_STORAGE_URL) and that the database is reachable."))
    if isinstance(exc, OSError) and exc.filename is not None:
        return (_("Cannot access {file}: {reason}.").format(file=exc.filename, reason=exc.strerror or type(exc).__name__),
                _("check that the path exists and that LOOM may read and write it."))
    return None
