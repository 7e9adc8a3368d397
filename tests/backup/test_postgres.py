"""PostgreSQL backups (pg_dump -Fc), verification, restore, and rows that agree with SQLite."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, text

from loom_migrations import runner
from loom_upgrade.backup import create_backup, restore_backup, rows_written_since, verify_backup
from loom_upgrade.backup.postgres_dump import connection_of
from loom_upgrade.errors import BackupError
from loom_upgrade.verify import logical_digest, snapshot_rows
from tests.backup.conftest import tree_digest

pytestmark = pytest.mark.postgres

SESSIONS = [
    {"id": "s-2", "title": "港口", "canon_path": "canon/zh.md", "seed": None,
     "created_at": dt.datetime(2026, 1, 2, 3, 4, 5, 120000), "updated_at": dt.datetime(2026, 1, 2, 3, 4, 5)},
    {"id": "s-1", "title": "Harbour ⚓ e\u0301", "canon_path": "canon/default.md", "seed": 7,
     "created_at": dt.datetime(2026, 1, 1), "updated_at": dt.datetime(2026, 1, 1)},
]
FACTS = [
    {"id": 1, "session_id": "s-1", "content": "The gate is shut.", "source": "narration", "importance": 0.75,
     "pinned": True, "created_at": dt.datetime(2026, 1, 1, 0, 0, 1)},
    {"id": 2, "session_id": "s-2", "content": "灯塔熄灭了", "source": "player", "importance": 0.1,
     "pinned": False, "created_at": dt.datetime(2026, 1, 2, 0, 0, 1)},
]


def populate(url: str) -> None:
    runner.upgrade(url, "1100")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO narrative_sessions(id, title, canon_path, seed, created_at, updated_at) "
            "VALUES (:id, :title, :canon_path, :seed, :created_at, :updated_at)"), SESSIONS)
        connection.execute(text(
            "INSERT INTO memory_facts(id, session_id, content, source, importance, pinned, created_at) "
            "VALUES (:id, :session_id, :content, :source, :importance, :pinned, :created_at)"), FACTS)
    engine.dispose()


@pytest.fixture
def pg_home(home, postgres_url):
    populate(postgres_url)
    return home, postgres_url


def test_backup_and_verify(pg_home, tmp_path):
    home, url = pg_home

    info = create_backup(home, state_dir=tmp_path / "state", db_url=url, release="1.1.0", db_revision="1100")

    assert info.manifest["db"]["kind"] == "postgresql"
    assert info.manifest["db"]["file"] == "db/loom.dump"
    assert info.manifest["db"]["tables"]["memory_facts"]["rows"] == 2
    assert (info.path / "db" / "loom.dump").read_bytes()[:5] == b"PGDMP"
    checks = {check.name: check for check in verify_backup(info.path).checks}
    assert checks["pg_restore --list"].passed


def test_corrupt_dump_fails_pg_restore_list(pg_home, tmp_path):
    home, url = pg_home
    info = create_backup(home, state_dir=tmp_path / "state", db_url=url, release="1.1.0", db_revision="1100")
    from loom_upgrade.backup.verify import _check_database

    (info.path / "db" / "loom.dump").write_bytes(b"not a dump")

    check = _check_database(info)
    assert not check.passed
    assert "pg_restore --list cannot read the dump" in check.detail


def test_restore_brings_rows_back(pg_home, tmp_path):
    home, url = pg_home
    files = tree_digest(home)
    info = create_backup(home, state_dir=tmp_path / "state", db_url=url, release="1.1.0", db_revision="1100")
    dump = logical_digest(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE memory_facts SET content = 'changed'"))
        connection.execute(text(
            "INSERT INTO memory_facts(id, session_id, content, source, importance, pinned, created_at) "
            "VALUES (3, 's-1', 'new', 'player', 0.5, false, '2026-02-01')"))
        connection.execute(text("CREATE TABLE after_backup(id INTEGER PRIMARY KEY)"))
    engine.dispose()
    (home / ".env").write_text("changed\n")

    writes = rows_written_since(info, url)
    assert [(w.table, w.new_rows) for w in writes] == [("memory_facts", 1)]

    restore_backup(info, home, db_url=url)

    assert logical_digest(url) == dump
    assert tree_digest(home) == files


def test_sqlite_and_postgres_snapshots_agree(postgres_url, tmp_path):
    sqlite_url = f"sqlite:///{tmp_path / 'same.db'}"
    populate(postgres_url)
    populate(sqlite_url)

    on_postgres = snapshot_rows(postgres_url)
    on_sqlite = snapshot_rows(sqlite_url)

    assert on_postgres.tables["memory_facts"].rows == 2
    assert {n: t.digest for n, t in on_postgres.tables.items()} == {n: t.digest for n, t in on_sqlite.tables.items()}


def test_password_goes_to_environment_only():
    connection = connection_of("postgresql+psycopg://loom:s3cr%23t@127.0.0.1:5433/loom")

    assert connection.env["PGPASSWORD"] == "s3cr#t"
    assert "s3cr#t" not in " ".join(connection.args)
    assert connection.args == ["--host", "127.0.0.1", "--port", "5433", "--username", "loom"]
    assert connection.database == "loom"


def test_unreachable_server_error_hides_password(home, tmp_path):
    url = "postgresql+psycopg://loom:hunter2@127.0.0.1:1/loom"

    with pytest.raises(BackupError) as caught:
        create_backup(home, state_dir=tmp_path / "state", db_url=url, release="1.1.0", db_revision="1100")

    assert "hunter2" not in caught.value.message
    assert "postgresql+psycopg://loom:***@127.0.0.1:1/loom" in caught.value.message
    assert list((tmp_path / "state" / "backups").iterdir()) == []


def test_failed_restore_leaves_database_unchanged(pg_home, tmp_path):
    from loom_upgrade.backup import postgres_dump

    home, url = pg_home
    info = create_backup(home, state_dir=tmp_path / "state", db_url=url, release="1.1.0", db_revision="1100")
    dump = info.path / "db" / "loom.dump"
    truncated = tmp_path / "truncated.dump"
    truncated.write_bytes(dump.read_bytes()[: dump.stat().st_size * 2 // 3])
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE memory_facts SET content = 'after the backup'"))
    engine.dispose()
    before = logical_digest(url)

    with pytest.raises(BackupError) as caught:
        postgres_dump.restore(url, truncated)

    assert "so the database was left unchanged" in caught.value.message
    assert logical_digest(url) == before


def test_url_query_settings_reach_libpq():
    connection = connection_of("postgresql+psycopg://loom@db.internal/loom?sslmode=require&connect_timeout=3")

    assert connection.env["PGSSLMODE"] == "require"
    assert connection.env["PGCONNECT_TIMEOUT"] == "3"
    assert connection.args == ["--host", "db.internal", "--username", "loom"]
