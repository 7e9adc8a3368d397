"""Errors of the migration runner, the fingerprint and the export format.

loom_migrations imports neither loom_runtime nor loom_upgrade, so these errors carry
English messages plus structured fields; each caller translates them at its boundary
(loom_upgrade into its own error classes and exit codes, the runtime into CLI messages).
"""

from __future__ import annotations


class MigrationsError(Exception):
    """Root of every error raised by loom_migrations; ``fix`` is the next step for the user."""

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        super().__init__(message if fix is None else f"{message} {fix}")
        self.message = message
        self.fix = fix


class DatabaseNotFoundError(MigrationsError):
    """The SQLite file a URL names does not exist."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"The database file {path} does not exist.",
            fix="Check the storage path or URL in the configuration, or create the database with `loom init`.",
        )
        self.path = path


class DatabaseLockedError(MigrationsError):
    """Another connection kept the SQLite database locked past the busy timeout."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"The database {path} is locked by another process, so the migration did not start or was rolled back.",
            fix="Stop the LOOM service and any other program using the database, then retry.",
        )
        self.path = path


class UnknownRevisionError(MigrationsError):
    """A revision id is not part of the Alembic chain."""

    def __init__(self, revision: str, known: list[str]) -> None:
        super().__init__(
            f"Revision {revision} is not part of the migration chain.",
            fix=f"Use one of: {', '.join(known)}.",
        )
        self.revision = revision
        self.known = known


class WrongDirectionError(MigrationsError):
    """upgrade() was asked for an older revision, or downgrade() for a newer one."""

    def __init__(self, action: str, current: str | None, target: str) -> None:
        other = "downgrade" if action == "upgrade" else "upgrade"
        super().__init__(
            f"Cannot {action} from revision {current or 'none'} to {target}: the target lies in the other direction.",
            fix=f"Use {other} instead.",
        )
        self.action = action
        self.current = current
        self.target = target


class StaleBatchTablesError(MigrationsError):
    """Leftover ``_alembic_tmp_*`` tables show that an earlier batch migration was interrupted."""

    def __init__(self, tables: list[str], current: str | None) -> None:
        names = ", ".join(tables)
        originals = ", ".join(table.removeprefix("_alembic_tmp_") for table in tables)
        super().__init__(
            f"The database at revision {current or 'none'} contains {names}, left behind by an "
            "interrupted table rebuild. Upgrading now would fail or lose rows.",
            fix=(
                "Either restore the last backup, or check that the table(s) "
                f"{originals} contain every row and rerun with --drop-stale-batch-tables."
            ),
        )
        self.tables = tables
        self.current = current


class ForeignKeyViolationError(MigrationsError):
    """PRAGMA foreign_key_check found rows after the migration; it was rolled back."""

    def __init__(self, violations: list[tuple]) -> None:
        sample = "; ".join(f"{row[0]} rowid {row[1]} -> {row[2]}" for row in violations[:5])
        super().__init__(
            f"The migration was rolled back because {len(violations)} row(s) break a foreign key ({sample}).",
            fix="Run `PRAGMA foreign_key_check` on a copy of the database, repair or delete those rows, and retry.",
        )
        self.violations = violations


class RowLossError(MigrationsError):
    """A migration removed rows it did not declare; it was rolled back."""

    def __init__(self, losses: list[tuple[str, int, int]]) -> None:
        detail = "; ".join(f"{table}: {before} rows before, {after} after" for table, before, after in losses)
        super().__init__(
            f"The migration was rolled back because it would have removed rows ({detail}).",
            fix="Nothing was changed. Report this with the database's revision and do not retry on the live database.",
        )
        self.losses = losses


class LossyDowngradeError(MigrationsError):
    """A downgrade would drop a table or column that still contains data."""

    def __init__(self, revision: str, table: str, column: str | None, rows: int) -> None:
        what = f"column {table}.{column}" if column else f"table {table}"
        super().__init__(
            f"Downgrading past revision {revision} would drop {what}, which still contains data in {rows} row(s).",
            fix="Restore a backup taken before the upgrade instead, or export the data and empty it first.",
        )
        self.revision = revision
        self.table = table
        self.column = column
        self.rows = rows


class ExportFormatError(MigrationsError):
    """An export document is malformed or does not fit the database it is imported into."""

    def __init__(self, path: str, problem: str, fix: str) -> None:
        super().__init__(f"{path}: {problem}", fix=fix)
        self.path = path
        self.problem = problem
