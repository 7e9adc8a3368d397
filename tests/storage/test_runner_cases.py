"""The runner's safety checks on hand-made schemas: table rebuilds, stale temp tables, losses."""

import hashlib
import sqlite3

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from loom_migrations import runner
from loom_migrations.errors import ForeignKeyViolationError, RowLossError, StaleBatchTablesError
from tests.storage.scripts import script_folder

C09_SCHEMA = """
PRAGMA foreign_keys=ON;
CREATE TABLE projects(id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE tasks(
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  title TEXT
);
INSERT INTO projects VALUES (1, 'alpha'), (2, 'beta');
INSERT INTO tasks VALUES (10, 1, 't1'), (11, 1, 't2'), (12, 2, 't3');
"""
C09_REBUILD = """
with op.batch_alter_table("projects") as batch:
    batch.alter_column("name", existing_type=sa.Text(), nullable=False)
"""

C10_SCHEMA = """
CREATE TABLE alembic_version(version_num VARCHAR(32) NOT NULL PRIMARY KEY);
INSERT INTO alembic_version VALUES ('a1');
CREATE TABLE settings(id INTEGER PRIMARY KEY, k TEXT, v TEXT);
INSERT INTO settings VALUES (1,'theme','dark'), (2,'lang','en'), (3,'tz','UTC');
CREATE TABLE _alembic_tmp_settings(id INTEGER PRIMARY KEY, k TEXT, v TEXT, extra TEXT);
INSERT INTO _alembic_tmp_settings VALUES (1,'theme','dark',NULL), (2,'lang','en',NULL);
"""
C10_REVISIONS = [
    ("a1", None, "", ""),
    ("b2", "a1", 'with op.batch_alter_table("settings") as batch:\n    batch.alter_column("k", existing_type=sa.Text(), nullable=False)', ""),
]


def _database(tmp_path, script: str):
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(script)
    connection.close()
    return path, f"sqlite:///{path}"


def _count(path, table):
    with sqlite3.connect(path) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_c09_rebuild_keeps_cascade_children(tmp_path):
    path, url = _database(tmp_path, C09_SCHEMA)
    scripts = script_folder(tmp_path, [("c09", None, C09_REBUILD, "")])

    result = runner.upgrade(url, "c09", script_location=scripts)

    assert _count(path, "tasks") == 3
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        notnull = {row[1]: row[3] for row in connection.execute("PRAGMA table_info(projects)")}
    assert notnull["name"] == 1
    assert result.foreign_keys_restored is True
    assert result.rows_after["tasks"] == 3


def test_c09_naive_rebuild_loses_children(tmp_path):
    """The hazard is real: the same rebuild with enforcement on inside the transaction empties tasks."""
    path, url = _database(tmp_path, C09_SCHEMA)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        operations = Operations(MigrationContext.configure(connection))
        with operations.batch_alter_table("projects") as batch:
            batch.alter_column("name", existing_type=sa.Text(), nullable=False)
    engine.dispose()
    assert _count(path, "tasks") == 0


def test_c10_stale_table_refused_unchanged(tmp_path):
    path, url = _database(tmp_path, C10_SCHEMA)
    scripts = script_folder(tmp_path, C10_REVISIONS)
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    with pytest.raises(StaleBatchTablesError) as error:
        runner.upgrade(url, "b2", script_location=scripts)

    message = str(error.value)
    assert "_alembic_tmp_settings" in message
    assert "revision a1" in message
    assert "restore the last backup" in message
    assert "--drop-stale-batch-tables" in message
    assert "settings" in error.value.fix
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert runner.stale_batch_tables(url) == ["_alembic_tmp_settings"]


def test_c10_flag_drops_and_upgrades(tmp_path):
    path, url = _database(tmp_path, C10_SCHEMA)
    scripts = script_folder(tmp_path, C10_REVISIONS)

    result = runner.upgrade(url, "b2", drop_stale_batch_tables=True, script_location=scripts)

    assert runner.current_revision(url) == "b2"
    assert _count(path, "settings") == 3
    assert runner.stale_batch_tables(url) == []
    assert result.dropped_stale_tables == ["_alembic_tmp_settings"]


def test_row_loss_rolls_back(tmp_path):
    path, url = _database(tmp_path, C09_SCHEMA)
    scripts = script_folder(tmp_path, [("loss", None, 'op.execute("DELETE FROM tasks WHERE id = 12")', "")])

    with pytest.raises(RowLossError, match="tasks: 3 rows before, 2 after"):
        runner.upgrade(url, "loss", script_location=scripts)

    assert _count(path, "tasks") == 3
    assert runner.current_revision(url) is None


def test_foreign_key_violation_rolls_back(tmp_path):
    path, url = _database(tmp_path, C09_SCHEMA)
    scripts = script_folder(tmp_path, [("orphan", None, 'op.execute("INSERT INTO tasks VALUES (13, 99, \'lost\')")', "")])

    with pytest.raises(ForeignKeyViolationError, match="1 row\\(s\\) break a foreign key"):
        runner.upgrade(url, "orphan", script_location=scripts)

    assert _count(path, "tasks") == 3
    assert runner.current_revision(url) is None


def test_locked_database_reported(make_home, monkeypatch):
    from loom_migrations import dbutil
    from loom_migrations.errors import DatabaseLockedError

    database = make_home("0.9.3", turns=10) / "data" / "loom.db"
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    original = dbutil.migration_engine

    def quick_engine(url, **kwargs):
        engine = original(url, **kwargs)
        sa.event.listen(engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA busy_timeout=50"))
        return engine

    monkeypatch.setattr("loom_migrations.runner.migration_engine", quick_engine)
    try:
        with pytest.raises(DatabaseLockedError, match="is locked by another process"):
            runner.upgrade(f"sqlite:///{database}", "head")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert runner.current_revision(f"sqlite:///{database}") == "0093"
