"""The one safe way to move a LOOM database between Alembic revisions.

Both ``loom db upgrade`` and loom-upgrade call this module. Every run goes through the
same phases:

1. inspect: current revision, leftover ``_alembic_tmp_*`` tables, lossy downgrades;
   a rejection here has not written anything.
2. migrate: on SQLite, foreign keys are turned off when the connection opens (SQLite
   ignores the PRAGMA inside a transaction, and a table rebuild with enforcement on
   fires ON DELETE CASCADE on the children); all revisions run in one transaction.
3. verify, before COMMIT: ``PRAGMA foreign_key_check`` must return nothing, and no table
   may lose rows except through the renames the catalog declares. Any failure rolls the
   whole run back.
4. restore: foreign keys go back on for the connection and are read back.
"""

from __future__ import annotations

import io
import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from loom_migrations import catalog_lookup
from loom_migrations.dbutil import (
    current_revision_on,
    is_sqlite,
    migration_engine,
    require_existing,
    row_counts,
    sqlite_path,
    stale_batch_tables_on,
)
from loom_migrations.errors import (
    DatabaseLockedError,
    ForeignKeyViolationError,
    LossyDowngradeError,
    RowLossError,
    StaleBatchTablesError,
    UnknownRevisionError,
    WrongDirectionError,
)

log = logging.getLogger(__name__)

SCRIPT_LOCATION = Path(__file__).with_name("alembic")

Progress = Callable[[str, str], None]
"""Called as ``progress(revision_id, "up" or "down")`` after each revision is applied."""


@dataclass
class MigrationResult:
    """What one run did, for the caller's report."""

    from_revision: str | None
    to_revision: str | None
    applied: list[str] = field(default_factory=list)
    rows_before: dict[str, int] = field(default_factory=dict)
    rows_after: dict[str, int] = field(default_factory=dict)
    dropped_stale_tables: list[str] = field(default_factory=list)
    foreign_keys_restored: bool | None = None  # SQLite only: PRAGMA foreign_keys read back as 1


def alembic_config(url: str | None = None, script_location: str | Path | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location or SCRIPT_LOCATION))
    if url is not None:
        # ConfigParser treats % as interpolation; URL-encoded passwords contain it.
        config.set_main_option("sqlalchemy.url", str(url).replace("%", "%%"))
    return config


def chain(script_location: str | Path | None = None) -> list[str]:
    """Return the revision ids of the chain, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(script_location=script_location))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def current_revision(url: str) -> str | None:
    """Return the database's revision, or None when it has never been migrated."""
    require_existing(url)
    engine = migration_engine(url)
    try:
        with engine.connect() as connection:
            return current_revision_on(connection)
    finally:
        engine.dispose()


def stale_batch_tables(url: str) -> list[str]:
    """Return leftover ``_alembic_tmp_*`` tables of an interrupted batch migration."""
    require_existing(url)
    engine = migration_engine(url)
    try:
        with engine.connect() as connection:
            return stale_batch_tables_on(connection)
    finally:
        engine.dispose()


def read_release(url: str) -> str | None:
    """Return the release recorded in loom_meta under ``release``, or None."""
    require_existing(url)
    engine = migration_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("loom_meta"):
                return None
            return connection.execute(sa.text("SELECT value FROM loom_meta WHERE key = 'release'")).scalar()
    finally:
        engine.dispose()


def write_release(url: str, version: str) -> None:
    """Record ``version`` as the release that last wrote the database."""
    engine = migration_engine(url, foreign_keys=True)
    try:
        with engine.begin() as connection:
            updated = connection.execute(
                sa.text("UPDATE loom_meta SET value = :value WHERE key = 'release'"), {"value": version}
            )
            if updated.rowcount == 0:
                connection.execute(
                    sa.text("INSERT INTO loom_meta (key, value) VALUES ('release', :value)"), {"value": version}
                )
    finally:
        engine.dispose()
    log.info("recorded release %s in loom_meta", version)


def upgrade(
    url: str,
    target: str = "head",
    *,
    drop_stale_batch_tables: bool = False,
    progress: Progress | None = None,
    script_location: str | Path | None = None,
) -> MigrationResult:
    """Upgrade the database to ``target`` (a revision id or ``head``) in one verified transaction."""
    return _run("upgrade", url, target, drop_stale_batch_tables, progress, script_location)


def downgrade(
    url: str,
    target: str,
    *,
    progress: Progress | None = None,
    script_location: str | Path | None = None,
) -> MigrationResult:
    """Downgrade to ``target`` (a revision id or ``base``); raise LossyDowngradeError if it would drop data."""
    return _run("downgrade", url, target, False, progress, script_location)


def _resolve(target: str, order: list[str]) -> str | None:
    if target == "head":
        return order[-1]
    if target == "base":
        return None
    if target not in order:
        raise UnknownRevisionError(target, order)
    return target


def _position(revision: str | None, order: list[str]) -> int:
    return -1 if revision is None else order.index(revision)


def _run(action, url, target, drop_stale, progress, script_location) -> MigrationResult:
    if action == "downgrade":
        require_existing(url)
    order = chain(script_location)
    target_revision = _resolve(target, order)
    config = alembic_config(url, script_location)
    engine = migration_engine(url)
    try:
        with engine.connect() as connection:
            result = _migrate(action, connection, config, order, target_revision, drop_stale, progress)
            result.foreign_keys_restored = _restore_foreign_keys(connection)
    except sa.exc.OperationalError as exc:
        if "database is locked" in str(exc.orig):
            raise DatabaseLockedError(str(sqlite_path(url))) from exc
        raise
    finally:
        engine.dispose()
    return result


def _migrate(action, connection, config, order, target_revision, drop_stale, progress) -> MigrationResult:
    # Phase 1: inspect, before anything is written.
    current = current_revision_on(connection)
    if current is not None and current not in order:
        raise UnknownRevisionError(current, order)
    stale = stale_batch_tables_on(connection)
    if stale and not drop_stale:
        raise StaleBatchTablesError(stale, current)
    here, there = _position(current, order), _position(target_revision, order)
    result = MigrationResult(from_revision=current, to_revision=target_revision)
    if (action == "upgrade" and there < here) or (action == "downgrade" and there > here):
        raise WrongDirectionError(action, current, target_revision or "base")
    if here == there and not stale:
        log.info("database already at revision %s; nothing to %s", current, action)
        connection.rollback()
        return result
    if action == "downgrade":
        _reject_lossy_downgrade(connection, config, order[there + 1 : here + 1])

    # Phase 2: migrate inside one transaction (the inspection above may have begun a read).
    if connection.in_transaction():
        connection.rollback()
    connection.begin()
    _check_foreign_keys_off(connection)
    for table in stale:
        log.warning("dropping stale batch table %s on request", table)
        connection.exec_driver_sql(f'DROP TABLE "{table}"')
    result.dropped_stale_tables = stale
    result.rows_before = row_counts(connection)
    config.attributes["connection"] = connection
    config.attributes["on_version_apply"] = _version_callback(result, progress)
    try:
        if action == "upgrade":
            command.upgrade(config, target_revision)
        else:
            command.downgrade(config, target_revision or "base")

        # Phase 3: verify before COMMIT.
        _check_foreign_key_rows(connection)
        result.rows_after = row_counts(connection)
        _check_no_row_loss(result.rows_before, result.rows_after, action)
    except BaseException:
        connection.rollback()
        log.error("%s from %s to %s failed and was rolled back", action, current, target_revision)
        raise
    connection.commit()
    log.info("%s from %s to %s committed (%s)", action, current, target_revision, ", ".join(result.applied))
    return result


def _version_callback(result: MigrationResult, progress: Progress | None):
    def on_version_apply(*, ctx, step, heads, run_args):
        revision = step.up_revision_id
        direction = "up" if step.is_upgrade else "down"
        result.applied.append(revision)
        log.info("applied revision %s (%s)", revision, direction)
        if progress is not None:
            progress(revision, direction)

    return on_version_apply


def _check_foreign_keys_off(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    enabled = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    if enabled:
        # Running with enforcement on would let a table rebuild cascade-delete child rows.
        raise RuntimeError("PRAGMA foreign_keys is still on inside the migration transaction")


def _check_foreign_key_rows(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return  # PostgreSQL enforces foreign keys during DDL itself.
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if violations:
        raise ForeignKeyViolationError([tuple(row) for row in violations])


def _check_no_row_loss(before: dict[str, int], after: dict[str, int], action: str) -> None:
    renames = catalog_lookup.table_renames()
    if action == "downgrade":
        renames = {new: old for old, new in renames.items()}
    losses = []
    for table, count in before.items():
        if count == 0 or table == "alembic_version":
            continue
        now = after.get(table, after.get(renames.get(table, ""), None))
        if now is None or now < count:
            losses.append((table, count, now or 0))
    if losses:
        raise RowLossError(losses)


def _reject_lossy_downgrade(connection: Connection, config: Config, revisions: list[str]) -> None:
    """Raise LossyDowngradeError when a revision to undo would drop data that still exists.

    NOTE: the check lives here, not in the revisions, so a plain ``alembic downgrade``
    run outside this module drops such data without asking.
    """
    script = ScriptDirectory.from_config(config)
    renames = catalog_lookup.table_renames()
    inspector = sa.inspect(connection)
    tables = set(inspector.get_table_names())
    for revision in reversed(revisions):
        drops = getattr(script.get_revision(revision).module, "DOWNGRADE_DROPS", [])
        for table, column, condition in drops:
            name = table if table in tables else renames.get(table, table)
            if name not in tables:
                continue
            if column and column not in {c["name"] for c in inspector.get_columns(name)}:
                continue
            rows = connection.execute(sa.text(f"SELECT count(*) FROM {name} WHERE {condition}")).scalar_one()
            if rows:
                connection.rollback()
                raise LossyDowngradeError(revision, name, column, rows)


def _restore_foreign_keys(connection: Connection) -> bool | None:
    if connection.dialect.name != "sqlite":
        return None
    raw = connection.connection.dbapi_connection
    raw.execute("PRAGMA foreign_keys=ON")
    return raw.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def sql_preview(url: str, from_rev: str | None, to_rev: str, *, script_location: str | Path | None = None) -> str:
    """Return the SQL that moving from ``from_rev`` to ``to_rev`` runs, for ``--dry-run``.

    PostgreSQL uses Alembic's offline mode. SQLite table rebuilds need the live table
    layout, which offline mode cannot read, so the SQL is captured from a real run on a
    scratch database built from the chain at ``from_rev``; the real database is not opened.
    """
    if not is_sqlite(url):
        return _offline_sql(url, from_rev, to_rev, script_location)
    return _captured_sqlite_sql(from_rev, to_rev, script_location)


def _offline_sql(url, from_rev, to_rev, script_location) -> str:
    config = alembic_config(url, script_location)
    order = chain(script_location)
    buffer = io.StringIO()
    config.output_buffer = buffer
    start = from_rev or "base"
    if _position(from_rev, order) <= _position(_resolve(to_rev, order), order):
        command.upgrade(config, f"{start}:{to_rev}", sql=True)
    else:
        command.downgrade(config, f"{start}:{to_rev}", sql=True)
    return buffer.getvalue()


def _captured_sqlite_sql(from_rev, to_rev, script_location) -> str:
    folder = Path(tempfile.mkdtemp(prefix="loom-sql-preview-"))
    scratch = f"sqlite:///{folder / 'preview.db'}"
    try:
        if from_rev is not None:
            upgrade(scratch, from_rev, script_location=script_location)
        statements: list[str] = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            text = statement.strip()
            if text and not text.upper().startswith(("PRAGMA", "SELECT", "BEGIN")):
                statements.append(text + ";")

        sa.event.listen(sa.engine.Engine, "before_cursor_execute", capture)
        try:
            order = chain(script_location)
            if _position(from_rev, order) <= _position(_resolve(to_rev, order), order):
                upgrade(scratch, to_rev, script_location=script_location)
            else:
                downgrade(scratch, to_rev, script_location=script_location)
        finally:
            sa.event.remove(sa.engine.Engine, "before_cursor_execute", capture)
        return "\n".join(statements) + "\n"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
