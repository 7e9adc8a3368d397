"""C12: a restore archive with '..', absolute or link members is rejected whole."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from loom_upgrade.backup import check_archive, resolve_backup, restore_backup
from loom_upgrade.errors import BackupError, ExitCode
from tests.backup.conftest import tree_digest


def _add_file(tar: tarfile.TarFile, name: str, text: str) -> None:
    data = text.encode()
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _add_link(tar: tarfile.TarFile, name: str, target: str, kind: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    tar.addfile(info)


def build_c12_archive(path: Path, *, only_clean: bool = False) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        _add_file(tar, "loom/config.yaml", "listen_port: 8080\n")
        _add_file(tar, "loom/rules/welcome.md", "# Welcome\n")
        if not only_clean:
            _add_file(tar, "loom/rules/../../escape.txt", "escaped\n")
            _add_file(tar, "/tmp/loom-abs.txt", "absolute\n")
            _add_link(tar, "loom/rules/shortcut", "/etc", tarfile.SYMTYPE)
            _add_file(tar, "loom/rules/shortcut/hosts.md", "through the link\n")
            _add_link(tar, "loom/hard", "/etc/passwd", tarfile.LNKTYPE)
    return path


EXPECTED_LISTING = """\
  loom/rules/../../escape.txt: path contains '..'
  /tmp/loom-abs.txt: absolute path
  loom/rules/shortcut: symlink points outside the archive: /etc
  loom/rules/shortcut/hosts.md: written through the symlink loom/rules/shortcut created by an earlier member
  loom/hard: hard link points outside the archive: /etc/passwd"""


def test_every_bad_member_is_listed(tmp_path):
    archive = build_c12_archive(tmp_path / "loom-backup.tar.gz")

    with pytest.raises(BackupError) as caught:
        check_archive(archive)

    assert caught.value.exit_code == ExitCode.USAGE
    assert caught.value.message == (
        f"The archive {archive} was rejected before anything was extracted: 5 unsafe members.\n" + EXPECTED_LISTING
    )


def test_restore_extracts_nothing_from_bad_archive(tmp_path):
    archive = build_c12_archive(tmp_path / "loom-backup.tar.gz")
    target = tmp_path / "target"
    (target / "loom").mkdir(parents=True)
    (target / "loom" / "config.yaml").write_text("listen_port: 9090\n")
    before = tree_digest(target, skip=())
    Path("/tmp/loom-abs.txt").unlink(missing_ok=True)

    with pytest.raises(BackupError) as caught:
        restore_backup(resolve_backup(tmp_path / "state", str(archive)), target, db_url=None)

    assert EXPECTED_LISTING in caught.value.message
    assert tree_digest(target, skip=()) == before
    assert not (tmp_path / "escape.txt").exists()
    assert not (target.parent / "escape.txt").exists()
    assert not Path("/tmp/loom-abs.txt").exists()
    assert not Path("/etc/hosts.md").exists()
    assert [p.name for p in target.iterdir()] == ["loom"]


def test_clean_archive_restores(tmp_path):
    archive = build_c12_archive(tmp_path / "clean.tar.gz", only_clean=True)
    target = tmp_path / "target"
    target.mkdir()

    result = restore_backup(resolve_backup(tmp_path / "state", str(archive)), target, db_url=None)

    assert result.restored_entries == ["loom"]
    assert (target / "loom" / "config.yaml").read_text() == "listen_port: 8080\n"
    assert (target / "loom" / "rules" / "welcome.md").read_text() == "# Welcome\n"
    assert sorted(p.name for p in target.iterdir()) == ["loom"]


@pytest.mark.parametrize(
    ("name", "kind", "target", "reason"),
    [
        ("dev/null", tarfile.CHRTYPE, "", "device file"),
        ("pipe", tarfile.FIFOTYPE, "", "FIFO (named pipe)"),
        ("loom/up", tarfile.SYMTYPE, "../../x", "symlink points outside the archive: ../../x"),
        ("loom/copy", tarfile.LNKTYPE, "loom/later", "hard link to loom/later, which is not an earlier member"),
    ],
)
def test_other_unsafe_members(tmp_path, name, kind, target, reason):
    archive = tmp_path / "bad.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        _add_link(tar, name, target, kind)

    with pytest.raises(BackupError) as caught:
        check_archive(archive)

    assert f"  {name}: {reason}" in caught.value.message


def test_links_inside_the_tree_are_accepted(tmp_path):
    archive = tmp_path / "ok.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        _add_file(tar, "loom/a.md", "a")
        _add_link(tar, "loom/b.md", "a.md", tarfile.SYMTYPE)
        _add_link(tar, "loom/c.md", "loom/a.md", tarfile.LNKTYPE)

    assert [member.name for member in check_archive(archive)] == ["loom/a.md", "loom/b.md", "loom/c.md"]


def test_verify_bad_archive_lists_members(tmp_path):
    from loom_upgrade.backup import verify_backup

    archive = build_c12_archive(tmp_path / "loom-backup.tar.gz")

    with pytest.raises(BackupError) as caught:
        verify_backup(resolve_backup(tmp_path / "state", str(archive)))

    assert caught.value.message.endswith(EXPECTED_LISTING)


def test_rollback_command_exits_2_and_changes_nothing(make_home, tmp_path):
    import os
    import subprocess
    import sys

    home = make_home("1.0.0", turns=10)
    archive = build_c12_archive(tmp_path / "loom-backup.tar.gz")
    # The state folder may gain a lock or journal; everything else, data included, may not change.
    before = tree_digest(home, skip=(".loom-upgrade",))
    env = {k: v for k, v in os.environ.items() if k not in ("LOOM_HOME", "GITHUB_STEP_SUMMARY", "LC_ALL")}
    env.update({"LANG": "C.UTF-8", "NO_COLOR": "1", "COLUMNS": "200"})

    result = subprocess.run(
        [str(Path(sys.executable).parent / "loom-upgrade"), "rollback", "--home", str(home), "--backup", str(archive), "--yes"],
        capture_output=True, text=True, env=env, timeout=120,
    )

    assert result.returncode == 2
    assert EXPECTED_LISTING in result.stderr
    assert tree_digest(home, skip=(".loom-upgrade",)) == before
    assert not (tmp_path / "escape.txt").exists()
