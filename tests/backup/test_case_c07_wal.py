"""C07: a backup of a WAL database with an open connection and no checkpoint has every row."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from loom_upgrade.backup import create_backup, restore_backup, verify_backup
from loom_upgrade.backup.sqlite_copy import copy_database
from loom_upgrade.errors import BackupError
from tests.backup.conftest import write_home

C07_SCRIPT = """
PRAGMA journal_mode=WAL;
PRAGMA wal_autocheckpoint=0;
CREATE TABLE jobs(id INTEGER PRIMARY KEY, title TEXT NOT NULL);
INSERT INTO jobs(title) VALUES ('job-1'), ('job-2'), ('job-3');
"""


@pytest.fixture
def c07_home(tmp_path):
    home = write_home(tmp_path / "home")
    connection = sqlite3.connect(home / "data" / "loom.db", isolation_level=None)
    connection.executescript(C07_SCRIPT)
    yield home, connection
    connection.close()


def _count(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT count(*) FROM jobs").fetchone()[0]
    finally:
        connection.close()


def test_file_copy_misses_wal_rows(c07_home, tmp_path):
    home, _connection = c07_home
    plain = tmp_path / "plain-copy.db"
    shutil.copyfile(home / "data" / "loom.db", plain)

    with pytest.raises(sqlite3.OperationalError, match="no such table: jobs"):
        _count(plain)


def test_backup_alone_has_three_rows(c07_home, tmp_path):
    home, _connection = c07_home

    info = create_backup(home, state_dir=tmp_path / "state", db_url="sqlite:///data/loom.db",
                         release="1.0.0", db_revision="1002")

    copy = info.path / "db" / "loom.db"
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copyfile(copy, alone / "loom.db")
    assert sorted(p.name for p in alone.iterdir()) == ["loom.db"]
    connection = sqlite3.connect(f"file:{alone / 'loom.db'}?mode=ro", uri=True)
    try:
        assert connection.execute("SELECT count(*) FROM jobs").fetchone()[0] == 3
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        connection.close()
    assert not (alone / "loom.db-wal").exists()
    assert verify_backup(info.path).passed


def test_copy_is_named_partial_while_written(c07_home, tmp_path):
    home, _connection = c07_home
    seen = []

    def on_progress(event):
        if event.phase == "database":
            backups = tmp_path / "state" / "backups"
            seen.extend(sorted(str(p.relative_to(backups)) for p in backups.rglob("*") if p.is_file()))

    info = create_backup(home, state_dir=tmp_path / "state", db_url="sqlite:///data/loom.db",
                         release="1.0.0", db_revision="1002", progress=on_progress)

    assert f"{info.id}.partial/db/loom.db.partial" in seen
    assert not any(name.endswith("db/loom.db") for name in seen)
    assert (info.path / "db" / "loom.db").is_file()
    assert not (info.path.parent / f"{info.id}.partial").exists()


def test_restore_into_empty_folder_has_three_rows(c07_home, tmp_path):
    home, _connection = c07_home
    info = create_backup(home, state_dir=tmp_path / "state", db_url="sqlite:///data/loom.db",
                         release="1.0.0", db_revision="1002")
    empty = tmp_path / "empty"
    empty.mkdir()

    restore_backup(info, empty, db_url="sqlite:///data/loom.db")

    assert _count(empty / "data" / "loom.db") == 3


def test_busy_database_is_retried_until_free(tmp_path):
    source = tmp_path / "locked.db"
    setup = sqlite3.connect(source, isolation_level=None)
    setup.execute("CREATE TABLE jobs(id INTEGER PRIMARY KEY, title TEXT NOT NULL)")
    setup.execute("INSERT INTO jobs(title) VALUES ('job-1')")
    setup.close()
    holder = sqlite3.connect(source, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.6, lambda: holder.execute("COMMIT"))
    release.start()
    begin = time.monotonic()
    try:
        copy = copy_database(source, tmp_path / "copy.db", timeout=10)
    finally:
        release.join()
        holder.close()

    assert copy.busy_retries > 0
    assert time.monotonic() - begin >= 0.5
    assert _count(tmp_path / "copy.db") == 1


def test_busy_database_times_out(tmp_path):
    source = tmp_path / "locked.db"
    holder = sqlite3.connect(source, isolation_level=None)
    holder.execute("CREATE TABLE jobs(id INTEGER PRIMARY KEY)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(BackupError) as caught:
            copy_database(source, tmp_path / "copy.db", timeout=0.3)
    finally:
        holder.execute("COMMIT")
        holder.close()

    assert "stayed locked for the whole timeout" in caught.value.message
    assert "Stop the process that holds the write lock" in caught.value.fix


WRITER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    connection.execute("INSERT INTO jobs(title) VALUES ('written during the backup')")
"""


@pytest.mark.slow
def test_backup_is_consistent_while_service_writes(c07_home, tmp_path):
    import subprocess
    import sys

    home, connection = c07_home
    connection.execute("CREATE TABLE padding(id INTEGER PRIMARY KEY, data BLOB)")
    connection.executemany("INSERT INTO padding(data) VALUES (randomblob(8192))", [()] * 1000)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(home / "data" / "loom.db"), "1.5"])
    try:
        time.sleep(0.3)
        info = create_backup(home, state_dir=tmp_path / "state", db_url="sqlite:///data/loom.db",
                             release="1.0.0", db_revision="1002")
    finally:
        writer.wait(timeout=30)

    copied = _count(info.path / "db" / "loom.db")
    assert copied > 3
    assert copied == info.manifest["db"]["tables"]["jobs"]["rows"]
    assert _count(home / "data" / "loom.db") > copied
    assert verify_backup(info.path).passed
