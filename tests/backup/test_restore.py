"""restore_backup brings a home back byte for byte, and its database by logical dump."""

from __future__ import annotations

import json
import sqlite3

import pytest

from loom_upgrade.backup import create_backup, restore_backup
from loom_upgrade.errors import BackupError
from loom_upgrade.home import detect_home
from loom_upgrade.verify import logical_digest
from tests.backup.conftest import tree_digest


@pytest.fixture
def fixture_home(make_home):
    return make_home("1.0.0", turns=60)


def _backup(home, tmp_path):
    state = detect_home(home, probe_venv=False, with_tables=False)
    info = create_backup(home, state_dir=tmp_path / "state", db_url=state.db_url,
                         release=state.release, db_revision=state.db_revision)
    return info, state.db_url


def _change_everything(home, db_url):
    (home / "config" / "default_config.yaml").write_text("changed: true\n")
    (home / ".env").unlink()
    (home / "canon" / "default.md").write_text("# rewritten\n")
    (home / "canon" / "new.md").write_text("# added after the backup\n")
    (home / "plugins" / "dice-roller" / "plugin.yaml").write_text("name: dice-roller\n")
    connection = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("DELETE FROM memory_facts")
    connection.execute("UPDATE narrative_turns SET narration = 'lost'")
    connection.commit()
    connection.close()


def test_restore_gives_back_files_and_rows(fixture_home, tmp_path):
    files_before = tree_digest(fixture_home)
    info, db_url = _backup(fixture_home, tmp_path)
    dump_before = logical_digest(db_url)
    _change_everything(fixture_home, db_url)
    assert logical_digest(db_url) != dump_before

    result = restore_backup(info, fixture_home, db_url=db_url)

    assert tree_digest(fixture_home) == files_before
    assert logical_digest(db_url) == dump_before
    assert result.restored_entries == ["config", ".env", "canon", "plugins"]
    assert not any(p.name.startswith(".loom-restore-") for p in fixture_home.iterdir())


def test_restore_removes_stale_wal(fixture_home, tmp_path):
    info, db_url = _backup(fixture_home, tmp_path)
    db_file = fixture_home / "data" / "loom.db"
    writer = sqlite3.connect(db_file, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("DELETE FROM narrative_turns")
    stale = fixture_home / "data" / "loom.db-wal"
    assert stale.stat().st_size > 0

    restore_backup(info, fixture_home, db_url=db_url)
    writer.close()

    assert logical_digest(db_url) == logical_digest(f"sqlite:///{info.path / 'db' / 'loom.db'}")


def test_restore_removes_entry_absent_at_backup(home, tmp_path):
    import shutil

    shutil.rmtree(home / "plugins")
    connection = sqlite3.connect(home / "data" / "loom.db")
    connection.execute("CREATE TABLE t(id INTEGER PRIMARY KEY)")
    connection.close()
    info = create_backup(home, state_dir=tmp_path / "state", db_url="sqlite:///data/loom.db",
                         release="1.0.0", db_revision="1002")
    (home / "plugins" / "new").mkdir(parents=True)

    result = restore_backup(info, home, db_url="sqlite:///data/loom.db")

    assert result.removed_entries == ["plugins"]
    assert not (home / "plugins").exists()


def test_restore_rejects_other_database_kind(fixture_home, tmp_path):
    info, _db_url = _backup(fixture_home, tmp_path)
    before = tree_digest(fixture_home)

    with pytest.raises(BackupError) as caught:
        restore_backup(info, fixture_home, db_url="postgresql+psycopg://loom:pw@127.0.0.1:1/loom")

    assert caught.value.message == f"The backup {info.id} contains a sqlite database but the home uses postgresql."
    assert tree_digest(fixture_home) == before


def test_restore_rejects_tampered_backup_before_changing(fixture_home, tmp_path):
    info, db_url = _backup(fixture_home, tmp_path)
    manifest = json.loads((info.path / "manifest.json").read_text())
    manifest["files"]["db/loom.db"]["sha256"] = "0" * 64
    (info.path / "manifest.json").write_text(json.dumps(manifest))
    (fixture_home / "canon" / "default.md").write_text("# kept\n")
    dump = logical_digest(db_url)

    with pytest.raises(BackupError) as caught:
        restore_backup(info.path, fixture_home, db_url=db_url)

    assert "sha256 db/loom.db: sha256 does not match the manifest" in caught.value.message
    assert (fixture_home / "canon" / "default.md").read_text() == "# kept\n"
    assert logical_digest(db_url) == dump


def test_restore_as_root_keeps_home_owner(fixture_home, tmp_path):
    import os
    import pwd
    import shutil

    if os.geteuid() != 0:
        pytest.skip("changing owners needs root")
    nobody = pwd.getpwnam("nobody")
    info, db_url = _backup(fixture_home, tmp_path)
    for path in [fixture_home, *fixture_home.rglob("*")]:
        if ".loom-upgrade" not in path.parts:
            os.lchown(path, nobody.pw_uid, nobody.pw_gid)
    shutil.rmtree(fixture_home / "canon")

    restore_backup(info, fixture_home, db_url=db_url)

    for path in [fixture_home / "canon", fixture_home / "canon" / "default.md", fixture_home / ".env",
                 fixture_home / "data" / "loom.db"]:
        assert path.lstat().st_uid == nobody.pw_uid, path
        assert path.lstat().st_gid == nobody.pw_gid, path
