"""Translate loom_migrations errors into loom-upgrade errors, with messages in the user's language."""

from __future__ import annotations

from loom_migrations import errors as m
from loom_upgrade.errors import LoomUpgradeError, MigrationError, PreflightError, RolledBackError, UsageError
from loom_upgrade.i18n import _


def translate_migrations_error(exc: m.MigrationsError) -> LoomUpgradeError:
    """Return the loom-upgrade error (and so the exit code) for a loom_migrations error."""
    if isinstance(exc, m.StaleBatchTablesError):
        return PreflightError(
            _("The database at revision {revision} contains {tables}, left behind by an interrupted table rebuild.").format(
                revision=exc.current or "-", tables=", ".join(exc.tables)
            ),
            fix=_("Restore the last backup, or check that {tables} contain every row and rerun with --drop-stale-batch-tables.").format(
                tables=", ".join(table.removeprefix("_alembic_tmp_") for table in exc.tables)
            ),
        )
    if isinstance(exc, m.LossyDowngradeError):
        what = f"{exc.table}.{exc.column}" if exc.column else exc.table
        return MigrationError(
            _("Downgrading past revision {revision} would drop {what}, which still contains data in {rows} rows.").format(
                revision=exc.revision, what=what, rows=exc.rows
            ),
            fix=_("Restore a backup taken before the upgrade instead."),
        )
    if isinstance(exc, m.RowLossError):
        detail = "; ".join(f"{table}: {before} -> {after}" for table, before, after in exc.losses)
        return RolledBackError(
            _("The database migration would have removed rows ({detail}) and was rolled back.").format(detail=detail),
            fix=_("Nothing was changed. Report this with the database revision before retrying."),
        )
    if isinstance(exc, m.ForeignKeyViolationError):
        return RolledBackError(
            _("The database migration left {count} rows with a missing parent and was rolled back.").format(
                count=len(exc.violations)
            ),
            fix=_("Run PRAGMA foreign_key_check on a copy of the database, repair those rows, and retry."),
        )
    if isinstance(exc, m.DatabaseNotFoundError):
        return UsageError(
            _("The database file {path} does not exist.").format(path=exc.path),
            path=exc.path,
            fix=_("Check storage.path or storage.url in the config of the home."),
        )
    if isinstance(exc, m.DatabaseLockedError):
        return PreflightError(
            _("The database {path} is locked by another process.").format(path=exc.path),
            fix=_("Stop the LOOM service and any other program using the database, then retry."),
        )
    if isinstance(exc, m.UnknownRevisionError):
        return MigrationError(
            _("Revision {revision} is not part of the migration chain.").format(revision=exc.revision),
            fix=_("The database was written by a newer or foreign release; restore a backup of this release."),
        )
    if isinstance(exc, m.WrongDirectionError):
        return MigrationError(
            _("Cannot migrate the database from revision {current} to {target}: the target lies in the other direction.").format(
                current=exc.current or "-", target=exc.target
            ),
            fix=_("Use loom-upgrade rollback to return to an older release."),
        )
    if isinstance(exc, m.ExportFormatError):
        return UsageError(
            _("The export file is not usable: {problem}").format(problem=exc.problem),
            path=exc.path,
            fix=_("Export the database again and retry."),
        )
    return MigrationError(str(exc))
