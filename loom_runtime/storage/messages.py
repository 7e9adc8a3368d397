"""User-facing wording, in the user's language, for the errors of loom_migrations.

loom_migrations cannot import the runtime's i18n, so its errors carry English text and
structured fields; the ``loom`` CLI calls ``describe_error`` to show them translated.
"""

from __future__ import annotations

from loom_migrations import errors as m
from loom_runtime.i18n import _


def describe_error(exc: m.MigrationsError) -> tuple[str, str | None]:
    """Return ``(message, fix)`` for ``exc`` in the current language."""
    if isinstance(exc, m.StaleBatchTablesError):
        return (
            _("The database at revision {revision} contains {tables}, left behind by an interrupted table rebuild.").format(
                revision=exc.current or "-", tables=", ".join(exc.tables)),
            _("Restore the last backup, or check that {tables} contain every row and rerun with --drop-stale-batch-tables.").format(
                tables=", ".join(table.removeprefix("_alembic_tmp_") for table in exc.tables)),
        )
    if isinstance(exc, m.LossyDowngradeError):
        what = f"{exc.table}.{exc.column}" if exc.column else exc.table
        return (
            _("Downgrading past revision {revision} would drop {what}, which still contains data in {rows} rows.").format(
                revision=exc.revision, what=what, rows=exc.rows),
            _("Restore a backup taken before the upgrade instead."),
        )
    if isinstance(exc, m.RowLossError):
        detail = "; ".join(f"{table}: {before} -> {after}" for table, before, after in exc.losses)
        return (
            _("The database migration would have removed rows ({detail}) and was rolled back.").format(detail=detail),
            _("Nothing was changed. Report this with the database revision before retrying."),
        )
    if isinstance(exc, m.ForeignKeyViolationError):
        return (
            _("The database migration left {count} rows with a missing parent and was rolled back.").format(
                count=len(exc.violations)),
            _("Run PRAGMA foreign_key_check on a copy of the database, repair those rows, and retry."),
        )
    if isinstance(exc, m.DatabaseNotFoundError):
        return (
            _("The database file {path} does not exist.").format(path=exc.path),
            _("Create the database with `loom init`, or correct storage.url in the config."),
        )
    if isinstance(exc, m.DatabaseLockedError):
        return (
            _("The database {path} is locked by another process.").format(path=exc.path),
            _("Stop the LOOM service and any other program using the database, then retry."),
        )
    if isinstance(exc, m.UnknownRevisionError):
        return (
            _("Revision {revision} is not part of the migration chain.").format(revision=exc.revision),
            _("The database was written by a newer release; run that release or restore a backup."),
        )
    if isinstance(exc, m.WrongDirectionError):
        return (
            _("Cannot migrate the database from revision {current} to {target}: the target lies in the other direction.").format(
                current=exc.current or "-", target=exc.target),
            None,
        )
    if isinstance(exc, m.ExportFormatError):
        return (_("The export file {path} is not usable: {problem}").format(path=exc.path, problem=exc.problem), None)
    return exc.message, exc.fix
