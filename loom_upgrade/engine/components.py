"""The engine's calls into the other areas (migrate, storage, backup, verify, home).

Steps call these thin functions rather than the areas directly, so each area's signature
is adapted in one place. Imports are lazy because several of these areas pull in
SQLAlchemy and Alembic, which ``status`` and ``history`` do not need.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


# Home -------------------------------------------------------------------------------------


def detect(home: Path, *, full: bool = False) -> Any:
    """Detect the home; by default without running ``loom --version`` or counting rows, which are slow."""
    from loom_upgrade.home import detect_home

    if full:
        return detect_home(home)
    return detect_home(home, probe_venv=False, with_tables=False)


def db_url(home: Path) -> str:
    """Return the home's database URL, which may contain a password and so never leaves the process."""
    return detect(home).db_url


# Migrations of files ----------------------------------------------------------------------


def file_edges(catalog: Any, edge: Any) -> list[Any]:
    """Return the edges whose file migrations a hop applies (the ``via`` chain for export/import)."""
    return list(catalog.file_edges(edge))


def apply_edge(home: Path, edge: Any, kind: str, *, dry_run: bool = False) -> Any:
    from loom_upgrade.migrate import apply_edge as migrate_edge

    return migrate_edge(home, edge.as_mapping(), dry_run=dry_run, only={kind})


def report_diffs(report: Any) -> list[tuple[str, str]]:
    """``(path, unified diff)`` for every file a migration report changed."""
    return [(str(item.path), item.diff) for item in report.files if item.changed]


# Database ---------------------------------------------------------------------------------


def db_upgrade(url: str, revision: str, *, drop_stale_batch_tables: bool, progress: Any = None) -> Any:
    from loom_migrations.runner import upgrade

    return upgrade(url, revision, drop_stale_batch_tables=drop_stale_batch_tables, progress=progress)


def sql_preview(url: str, from_revision: str, to_revision: str) -> str:
    from loom_migrations.runner import sql_preview as preview

    return preview(url, from_revision, to_revision)


def current_revision(url: str) -> str | None:
    from loom_migrations.runner import current_revision as revision

    return revision(url)


def write_release(url: str, release: str) -> None:
    from loom_migrations.runner import write_release as write

    write(url, release)


def schema_fingerprint(url: str) -> dict:
    from loom_migrations.fingerprint import schema_fingerprint as fingerprint

    return fingerprint(url)


def fingerprint_differences(expected: dict, actual: dict) -> list[str]:
    from loom_migrations.fingerprint import differences

    return differences(expected, actual)


def reference_fingerprint(release: str, url: str) -> dict:
    """Return the fingerprint a database of ``release`` must have, in the dialect of ``url``."""
    from loom_migrations.fingerprint import reference_fingerprint as fingerprint

    if dialect_of(url) != "postgresql":
        return fingerprint(release, "sqlite")
    # PostgreSQL references are built in a scratch database on the same server.
    import uuid

    import sqlalchemy as sa

    name = "loom_reference_" + uuid.uuid4().hex[:10]
    server = sa.create_engine(sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        scratch = sa.make_url(url).set(database=name).render_as_string(hide_password=False)
        return fingerprint(release, "postgresql", scratch_url=scratch)
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        server.dispose()


def dialect_of(url: str) -> str:
    return "postgresql" if url.startswith("postgres") else "sqlite"


def export_database(home: Path, output: Path) -> Path:
    """Write the home's 0.2.0 database in the runtime's export format to ``output``."""
    from loom_upgrade.db import export_home

    return export_home(home, output)


# Backups ----------------------------------------------------------------------------------


def create_backup(home: Path, state_dir: Path, *, release: str, progress: Any = None) -> Any:
    """Create and verify a backup of ``home``; raises ``BackupError`` when it does not verify."""
    from loom_upgrade.backup import create_backup as create

    state = detect(home)
    return create(
        home, state_dir=state_dir, db_url=state.db_url, release=release, db_revision=state.db_revision, progress=progress
    )


def verify_backup(backup: Any) -> Any:
    from loom_upgrade.backup import verify_backup as verify

    return verify(backup)


def restore_backup(home: Path, state_dir: Path, backup_id: str) -> Any:
    from loom_upgrade.backup import restore_backup as restore

    info = resolve_backup(state_dir, backup_id)
    return restore(info, home, db_url=restore_url(home))


def restore_url(home: Path) -> str:
    """Return the database URL to restore into, even when a half-migrated config cannot be read."""
    try:
        return db_url(home)
    except Exception as exc:  # any detection failure: the SQLite default still applies
        log.warning("cannot detect the database of %s (%s); restoring data/loom.db", home, exc)
        return f"sqlite:///{home / 'data' / 'loom.db'}"


def resolve_backup(state_dir: Path, reference: str) -> Any:
    from loom_upgrade.backup import resolve_backup as resolve

    return resolve(state_dir, reference)


def rows_written_since(backup: Any, home: Path, rules: list[dict[str, Any]]) -> int:
    from loom_upgrade.backup import rows_written_since as written

    tables = written(backup, db_url(home), rules=rules, home=home)
    return sum(table.new_rows + table.updated_rows for table in tables if table.changed)


# Verification -----------------------------------------------------------------------------


def snapshot_rows(home: Path) -> Any:
    from loom_upgrade.verify import snapshot_rows as snapshot

    return snapshot(db_url(home), home=home)


def snapshot_from_dict(data: dict[str, Any]) -> Any:
    from loom_upgrade.verify import RowSnapshot

    return RowSnapshot.from_dict(data)


def expected_rows(before: Any, rules: list[dict[str, Any]]) -> dict[str, int]:
    """Return the row count of every table that ``before`` mapped through ``rules`` must keep."""
    from loom_upgrade.verify import expected_after

    return {name: table.rows for name, table in expected_after(before, rules).tables.items() if not table.new_table}


def row_counts(home: Path) -> dict[str, int]:
    """Return the row count of every table, counted by the database rather than by a full scan."""
    from loom_upgrade.home import detect_home

    state = detect_home(home, probe_venv=False, with_tables=True)
    return {name: stats.rows for name, stats in state.tables.items()}


def compare_rows(before: Any, after: Any, rules: list[dict[str, Any]]) -> list[Any]:
    from loom_upgrade.verify import compare_rows as compare

    return compare(before, after, rules)


def smoke(ctx: Any, *, params: dict[str, Any]) -> Any:
    """Smoke-test the running service against the latency baseline taken before the stop."""
    from loom_upgrade.verify import SmokeSettings
    from loom_upgrade.verify import smoke as run_smoke
    from loom_upgrade.verify.latency import LatencyStats

    known = set(SmokeSettings.__dataclass_fields__)
    settings = SmokeSettings(**{name: value for name, value in params.items() if name in known})
    baseline = ctx.values.get("latency_baseline")
    return run_smoke(
        ctx.target.health_url(),
        loom=ctx.target.loom_command(),
        home=ctx.home,
        expected_release=ctx.to_release,
        expected_revision=ctx.release(ctx.to_release).db_revision,
        baseline=LatencyStats.from_dict(baseline) if baseline else None,
        db_url=db_url(ctx.home),
        settings=settings,
    )


def latency_baseline(base_url: str, params: dict[str, Any]) -> dict[str, Any]:
    from loom_upgrade.verify.latency import probe_latency

    requests = int(params.get("probe_requests", 40))
    return probe_latency(base_url, requests=requests, max_seconds=10.0).to_dict()
