"""Database integrity: SQLite ``integrity_check`` and ``foreign_key_check``, or a
successful PostgreSQL connection."""

from __future__ import annotations

import logging
import sqlite3

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from loom_upgrade.home import database
from loom_upgrade.i18n import _
from loom_upgrade.preflight.base import CheckResult, PreflightContext

log = logging.getLogger(__name__)

NAME = "db-integrity"
_REPORTED_PROBLEMS = 5  # integrity_check can list thousands of lines; show the first few


def _sqlite(context: PreflightContext) -> CheckResult:
    path = database.sqlite_path(context.home.db_url)
    if not path.is_file():
        return CheckResult(
            NAME, False, _("missing"), _("The database file {path} does not exist.").format(path=path),
            _("Restore data/loom.db from a backup, or run loom init for a new home."),
        )
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True)
        try:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            orphans = connection.execute("PRAGMA foreign_key_check").fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        return CheckResult(
            NAME, False, _("unreadable"), _("SQLite cannot read {path}: {reason}.").format(path=path, reason=exc),
            _("Restore the database from the last verified backup with loom-upgrade rollback --backup ID."),
        )
    if problems != ["ok"]:
        return CheckResult(
            NAME, False, _("{count} problem(s)").format(count=len(problems)),
            "; ".join(problems[:_REPORTED_PROBLEMS]),
            _("Restore the database from the last verified backup with loom-upgrade rollback --backup ID."),
        )
    if orphans:
        tables = sorted({row[0] for row in orphans})
        return CheckResult(
            NAME, False, _("{count} orphaned row(s)").format(count=len(orphans)),
            _("Rows whose foreign key points nowhere, in: {tables}.").format(tables=", ".join(tables)),
            _("Delete or repair the orphaned rows, or restore the last verified backup."),
        )
    return CheckResult(NAME, True, "ok", _("integrity_check and foreign_key_check found no problem"))


def _postgresql(context: PreflightContext) -> CheckResult:
    try:
        with database.connected(context.home.db_url) as connection:
            version = connection.execute(text("SHOW server_version")).scalar()
    except SQLAlchemyError as exc:
        log.info("PostgreSQL check failed for %s: %s", context.home.db_url_redacted, type(exc).__name__)
        return CheckResult(
            NAME, False, _("unreachable"),
            _("Cannot connect to {url}.").format(url=context.home.db_url_redacted),
            _("Start the PostgreSQL server or correct storage.url, then rerun preflight."),
        )
    return CheckResult(NAME, True, _("PostgreSQL {version}").format(version=version), _("the server answers"))


def check(context: PreflightContext) -> CheckResult:
    return _sqlite(context) if context.home.db_kind == "sqlite" else _postgresql(context)
