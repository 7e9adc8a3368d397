"""Turn a SQLite fixture home of 1.0.0 or later into one whose database is on PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from loom_migrations.runner import read_release, upgrade, write_release

SKIPPED_TABLES = {"alembic_version", "loom_meta"}


def postgres_home(deployed, server):
    """Copy the home's rows into a fresh PostgreSQL database and point ``storage.url`` at it."""
    sqlite_url = f"sqlite:///{deployed.home / 'data' / 'loom.db'}"
    release = read_release(sqlite_url)
    revision = _revision(sqlite_url)
    pg_url = server.create_database()
    upgrade(pg_url, revision)
    _copy_rows(sqlite_url, pg_url)
    write_release(pg_url, release)

    config = deployed.home / "config" / "default_config.yaml"
    text = config.read_text(encoding="utf-8")
    old = next(line for line in text.splitlines() if line.strip().startswith("url:"))
    config.write_text(text.replace(old, old.split("url:")[0] + f"url: {pg_url}"), encoding="utf-8")
    (deployed.home / "data" / "loom.db").unlink()
    return deployed


def _revision(url: str) -> str:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    engine.dispose()
    return revision


def _copy_rows(source_url: str, target_url: str) -> None:
    source, target = sa.create_engine(source_url), sa.create_engine(target_url)
    source_meta, target_meta = sa.MetaData(), sa.MetaData()
    target_meta.reflect(target)
    source_meta.reflect(source, only=[name for name in target_meta.tables if name not in SKIPPED_TABLES])
    with source.connect() as reader, target.begin() as writer:
        for table in target_meta.sorted_tables:
            if table.name in SKIPPED_TABLES or table.name not in source_meta.tables:
                continue
            rows = [dict(row._mapping) for row in reader.execute(sa.select(source_meta.tables[table.name]))]
            if rows:
                writer.execute(table.insert(), rows)
            if "id" in table.c and isinstance(table.c.id.type, sa.Integer):
                writer.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                    )
                )
    source.dispose()
    target.dispose()
