"""Detection of ``_alembic_tmp_*`` tables left over from an interrupted batch migration.

Alembic's SQLite batch mode copies a table into ``_alembic_tmp_<name>`` and renames it
back. A crash in between leaves the copy, and the next migration fails to create it again.
"""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from loom_migrations.dbutil import stale_batch_tables_on
from loom_upgrade.home import database
from loom_upgrade.i18n import _
from loom_upgrade.preflight.base import CheckResult, PreflightContext

NAME = "stale-batch-tables"
PREFIX = "_alembic_tmp_"


def check(context: PreflightContext) -> CheckResult:
    path = database.sqlite_path(context.home.db_url)
    if path is not None and not path.is_file():
        return CheckResult(NAME, True, _("no database"), _("there is no database file to inspect"))
    try:
        with database.connected(context.home.db_url) as connection:
            stale = stale_batch_tables_on(connection)
    except SQLAlchemyError:
        return CheckResult(NAME, True, _("not inspected"), _("the database cannot be read; see db-integrity"))
    if not stale:
        return CheckResult(NAME, True, _("none"), _("no leftover _alembic_tmp_* tables"))

    revision = context.home.db_revision or _("none")
    originals = ", ".join(name[len(PREFIX):] for name in stale)
    detail = _(
        "Leftover table(s) {tables} from an interrupted migration; the database is at revision {revision}."
    ).format(tables=", ".join(stale), revision=revision)
    if context.drop_stale_batch_tables:
        return CheckResult(NAME, True, ", ".join(stale), detail + " " + _("They will be dropped (--drop-stale-batch-tables)."))
    return CheckResult(
        NAME,
        False,
        ", ".join(stale),
        detail,
        _(
            "Either restore the last backup with loom-upgrade rollback --backup ID, or check that {tables} "
            "hold every row and rerun with --drop-stale-batch-tables."
        ).format(tables=originals),
    )
