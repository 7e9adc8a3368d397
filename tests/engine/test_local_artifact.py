"""The local target's artifact switch, killed at every point, is undone to exactly the earlier state.

The virtualenvs here are small folders whose ``bin/loom`` prints a version, so every
crash point runs in milliseconds; ``tests/e2e`` covers real virtualenvs.
"""

from __future__ import annotations

import hashlib

import pytest

from loom_upgrade.errors import MigrationError
from loom_upgrade.steps.verify import check_code_restored
from loom_upgrade.targets.base import PreparedArtifact
from loom_upgrade.targets.fake import FakeTarget
from loom_upgrade.targets.local import LocalTarget
from tests.engine.helpers import make_context


class Killed(Exception):
    """Stands for SIGKILL: the switch stops where it is."""


def _fake_venv(folder, version: str) -> None:
    (folder / "bin").mkdir(parents=True)
    loom = folder / "bin" / "loom"
    loom.write_text(f"#!/bin/sh\necho loom {version}\n", encoding="utf-8")
    loom.chmod(0o755)
    (folder / "lib.txt").write_text(f"code of {version}\n", encoding="utf-8")


def _tree(home) -> dict[str, str]:
    return {
        path.relative_to(home).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        for path in sorted(home.rglob("*"))
        if ".loom-upgrade" not in path.relative_to(home).parts
    }


@pytest.fixture
def path_loom(tmp_path, monkeypatch):
    """``loom`` 0.9.3 on PATH, as on a host where LOOM was installed without a venv in the home."""
    folder = tmp_path / "path-bin"
    _fake_venv(folder.parent / "path-venv", "0.9.3")
    folder.symlink_to(folder.parent / "path-venv" / "bin")
    monkeypatch.setenv("PATH", f"{folder}:/usr/bin:/bin")


def _home(tmp_path, had_venv: bool):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config").mkdir()
    if had_venv:
        _fake_venv(home / "venv", "0.9.3")
    target = LocalTarget(home)
    _fake_venv(target.venv_new, "1.1.0")
    return home, target


@pytest.mark.parametrize("had_venv", [True, False])
@pytest.mark.parametrize("kill_at", ["journaled", "old-moved", "new-moved", "switched"])
def test_switch_killed_anywhere_is_undone_exactly(tmp_path, path_loom, had_venv, kill_at):
    home, target = _home(tmp_path, had_venv)
    before = _tree(home)
    journaled: list[dict] = []

    def journal(record):
        journaled.append(record)
        if kill_at == "journaled":
            raise Killed

    def checkpoint(name):
        if kill_at == name:
            raise Killed

    try:
        target.artifact_switch(
            PreparedArtifact("1.1.0", str(target.venv_new)), previous_release="0.9.3", journal=journal, checkpoint=checkpoint
        )
    except Killed:
        pass
    assert journaled, "the record must be journaled before the first rename"
    assert journaled[0]["had_venv"] is had_venv
    assert journaled[0]["version_before"] == "0.9.3"

    target.artifact_restore(journaled[0])
    target.artifact_cleanup()

    assert _tree(home) == before
    assert (home / "venv").exists() is had_venv
    assert target.artifact_version() == "0.9.3"
    assert not (home / ".loom-upgrade" / "staging").exists()


def test_install_goes_to_the_state_folder(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    target = LocalTarget(home)
    assert target.venv_new == home / ".loom-upgrade" / "staging" / "venv"
    assert not str(target.venv_new.relative_to(home)).startswith("venv")


def test_code_check_after_rollback_names_both_versions(tmp_path):
    ctx = make_context(tmp_path, target=FakeTarget(tmp_path, version="1.1.0"))
    ctx.values["artifact_record"] = {"had_venv": False, "version_before": "0.9.3"}

    with pytest.raises(MigrationError) as info:
        check_code_restored(ctx)

    assert "reports LOOM 1.1.0, not 0.9.3" in info.value.message
    ctx.target.version = "0.9.3"
    check_code_restored(ctx)


def test_cleanup_removes_staging_and_legacy_venv_new(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    target = LocalTarget(home)
    _fake_venv(target.venv_new, "1.1.0")
    _fake_venv(home / "venv.new", "1.1.0")  # left in the home by an earlier loom-upgrade
    _fake_venv(home / "venv", "1.0.0")

    target.artifact_cleanup()

    assert not (home / ".loom-upgrade" / "staging").exists()
    assert not (home / "venv.new").exists()
    assert (home / "venv" / "bin" / "loom").exists()


def test_switch_uses_version_read_before_stop(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no loom to ask: the given version must be used
    home, target = _home(tmp_path, had_venv=False)

    record = target.artifact_switch(
        PreparedArtifact("1.1.0", str(target.venv_new)), previous_release="0.9.3", version_before=("0.9.3",)
    )

    assert record["version_before"] == "0.9.3"
    assert target.artifact_version() == "1.1.0"
