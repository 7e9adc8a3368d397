"""create_backup and verify_backup on a small home with a live WAL database."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from loom_upgrade.backup import create_backup, list_backups, verify_backup
from loom_upgrade.errors import BackupError, ExitCode
from tests.backup.conftest import db_url
from tests.support.components import component_missing


def _backup(home: Path, state: Path, **kwargs):
    return create_backup(home, state_dir=state, db_url=db_url(home), release="1.0.0", db_revision="1002", **kwargs)


def test_backup_manifest_lists_everything(home, live_db, tmp_path):
    info = _backup(home, tmp_path / "state")

    manifest = json.loads((info.path / "manifest.json").read_text())
    assert manifest["release"] == "1.0.0"
    assert manifest["db_revision"] == "1002"
    assert manifest["db"]["kind"] == "sqlite"
    assert manifest["db"]["journal_mode"] == "wal"
    assert manifest["home"] == str(home.resolve())
    assert manifest["tool_version"]
    assert manifest["created_at"].endswith("+00:00")
    assert set(manifest["files"]) == {"db/loom.db", "home.tar.gz"}
    assert manifest["db"]["tables"]["jobs"] == {
        "rows": 3, "max_id": 3, "max_created_at": "2026-01-02 10:00:00", "max_updated_at": None
    }
    names = [member["name"] for member in manifest["home_archive"]["members"]]
    assert names == [
        "config", "config/default_config.yaml", ".env", "canon", "canon/alias.md", "canon/default.md", "canon/世界.md",
        "plugins", "plugins/dice-roller", "plugins/dice-roller/loom-plugin.yaml",
    ]
    assert manifest["home_archive"]["absent"] == []
    assert not (info.path / ".owner").exists()


def test_backup_passes_verification(home, live_db, tmp_path):
    info = _backup(home, tmp_path / "state")

    result = verify_backup(info.path)

    assert result.passed
    assert [check.name for check in result.checks] == [
        "sha256 db/loom.db", "sha256 home.tar.gz", "integrity_check", "archive members",
    ]


def test_backup_permissions_ignore_umask(home, live_db, tmp_path):
    previous = os.umask(0)
    try:
        info = _backup(home, tmp_path / "state")
    finally:
        os.umask(previous)

    assert stat.S_IMODE((tmp_path / "state" / "backups").stat().st_mode) == 0o700
    for path in [info.path, *info.path.rglob("*")]:
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


def test_archive_is_deterministic(home, live_db, tmp_path):
    first = _backup(home, tmp_path / "one")
    second = _backup(home, tmp_path / "two")

    assert (first.path / "home.tar.gz").read_bytes() == (second.path / "home.tar.gz").read_bytes()


@pytest.mark.parametrize("name", ["db/loom.db", "home.tar.gz"])
def test_one_flipped_byte_fails_verification(home, live_db, tmp_path, name):
    info = _backup(home, tmp_path / "state")
    target = info.path / name
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))

    with pytest.raises(BackupError) as caught:
        verify_backup(info.path)

    assert caught.value.exit_code == ExitCode.USAGE
    assert f"sha256 {name}: sha256 does not match the manifest" in caught.value.message
    assert "Do not restore this backup" in caught.value.fix


def test_damaged_copy_with_fixed_manifest_fails_integrity(home, live_db, tmp_path):
    info = _backup(home, tmp_path / "state")
    copy = info.path / "db" / "loom.db"
    data = bytearray(copy.read_bytes())
    data[4096: 4096 + 12] = b"\xff" * 12  # garbage over the b-tree page header of page 2
    copy.write_bytes(bytes(data))
    manifest = json.loads((info.path / "manifest.json").read_text())
    from loom_upgrade.backup.fsutil import sha256_file

    digest, size = sha256_file(copy)
    manifest["files"]["db/loom.db"] = {"sha256": digest, "size": size}
    (info.path / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(BackupError) as caught:
        verify_backup(info.path)

    assert "integrity_check" in caught.value.message


def test_archive_member_missing_from_manifest_fails(home, live_db, tmp_path):
    info = _backup(home, tmp_path / "state")
    manifest = json.loads((info.path / "manifest.json").read_text())
    manifest["home_archive"]["members"] = [m for m in manifest["home_archive"]["members"] if m["name"] != ".env"]
    (info.path / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(BackupError) as caught:
        verify_backup(info.path)

    assert "archive members: .env: not in the manifest" in caught.value.message


def test_missing_manifest_names_the_fix(tmp_path):
    folder = tmp_path / "20260101T000000Z-1.0.0-abcd"
    folder.mkdir()

    with pytest.raises(BackupError) as caught:
        verify_backup(folder)

    assert caught.value.message == "The backup has no manifest.json, so it cannot be verified."
    assert caught.value.path == str(folder)


def test_missing_database_leaves_no_folder(home, tmp_path):
    state = tmp_path / "state"

    with pytest.raises(BackupError) as caught:
        _backup(home, state)

    assert "does not exist" in caught.value.message
    assert list((state / "backups").iterdir()) == []


def test_symlink_outside_home_is_rejected(home, live_db, tmp_path):
    os.symlink("/etc/hostname", home / "canon" / "outside.md")
    state = tmp_path / "state"

    with pytest.raises(BackupError) as caught:
        _backup(home, state)

    assert "canon/outside.md: symlink points outside the archive: /etc/hostname" in caught.value.message
    assert list((state / "backups").iterdir()) == []


def test_progress_reports_each_phase(home, live_db, tmp_path):
    events = []

    _backup(home, tmp_path / "state", progress=events.append)

    phases = [event.phase for event in events]
    assert "database" in phases
    assert "files" in phases
    assert "verify" in phases
    database = [event for event in events if event.phase == "database"]
    assert database[-1].done == database[-1].total
    assert database[-1].unit == "pages"


def test_disk_full_leaves_no_partial(home, live_db, tmp_path):
    # The database is larger than the tmpfs, so the copy fails part-way.
    live_db.execute("CREATE TABLE blobs(id INTEGER PRIMARY KEY, data BLOB)")
    live_db.executemany("INSERT INTO blobs(data) VALUES (?)", [(os.urandom(64 * 1024),) for _ in range(160)])
    state = tmp_path / "state"
    state.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(state)], capture_output=True)
    if mounted.returncode != 0:
        component_missing("tmpfs mount", mounted.stderr.decode().strip() or "mount failed (needs root)")
    try:
        with pytest.raises(BackupError) as caught:
            _backup(home, state)
        assert "Free disk space" in (caught.value.fix or "")
        assert list((state / "backups").iterdir()) == []
    finally:
        subprocess.run(["umount", str(state)], check=True)


def test_list_backups_oldest_first(home, live_db, tmp_path):
    state = tmp_path / "state"
    first = _backup(home, state)
    second = _backup(home, state)

    assert [info.id for info in list_backups(state)] == [first.id, second.id]


def test_copy_has_rows_still_in_wal(home, live_db, tmp_path):
    info = _backup(home, tmp_path / "state")

    assert (home / "data" / "loom.db-wal").stat().st_size > 0
    copy = sqlite3.connect(info.path / "db" / "loom.db")
    try:
        assert copy.execute("SELECT title FROM jobs ORDER BY id").fetchall() == [("job-1",), ("job-2",), ("job-3",)]
    finally:
        copy.close()
    with tarfile.open(info.path / "home.tar.gz") as tar:
        assert tar.getmember(".env").uid == 0
