"""Alembic environment of the LOOM runtime database.

``migrations/runner.py`` is the normal caller: it opens the connection itself (foreign
keys off on SQLite, one outer transaction, checks before COMMIT) and hands it over in
``config.attributes["connection"]``. Plain ``alembic`` commands also work and then use the
``sqlalchemy.url`` option of the config. Offline mode renders SQL for ``--dry-run``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        literal_binds=True,
        render_as_batch=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        # The runner owns the transaction; begin_transaction() joins it and never commits.
        callbacks = [config.attributes["on_version_apply"]] if "on_version_apply" in config.attributes else []
        context.configure(
            connection=connection,
            render_as_batch=True,
            transaction_per_migration=False,
            on_version_apply=callbacks,
        )
        with context.begin_transaction():
            context.run_migrations()
        return

    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as own_connection:
        context.configure(connection=own_connection, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
