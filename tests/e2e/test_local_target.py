"""The local target with real virtualenvs and a real supervised ``loom serve``."""

from __future__ import annotations

import hashlib
import os

import httpx
import pytest

from loom_upgrade.targets import venvs
from loom_upgrade.targets.base import ArtifactSource
from loom_upgrade.targets.local import LocalTarget
from tests.e2e.conftest import free_port

pytestmark = pytest.mark.slow


def _tree(folder) -> dict[str, str]:
    digests = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if "__pycache__" in relative:
            continue
        if path.is_symlink():
            digests[relative] = "link:" + os.readlink(path)
        elif path.is_file():
            digests[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


@pytest.fixture
def local_home(make_home, upgrade_wheelhouse):
    home = make_home("1.0.0", turns=5)
    port = free_port()
    config = home / "config" / "default_config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("port: 8000", f"port: {port}"), encoding="utf-8")
    venvs.create_venv(home / "venv", venvs.base_python(home / "none"), "1.0.0", ArtifactSource(wheelhouse=upgrade_wheelhouse))
    return home


def test_switched_venv_runs_and_restores_byte_for_byte(local_home, upgrade_wheelhouse):
    target = LocalTarget(local_home)
    old_tree = _tree(local_home / "venv")

    prepared = target.artifact_install("1.1.0", ArtifactSource(wheelhouse=upgrade_wheelhouse))
    record = target.artifact_switch(prepared, previous_release="1.0.0")

    assert target.artifact_version() == "1.1.0"
    script = (local_home / "venv" / "bin" / "loom").read_text(encoding="utf-8")
    assert "staging" not in script
    assert (local_home / ".loom-upgrade" / "venv.previous-1.0.0").is_dir()

    target.artifact_restore(record)

    assert target.artifact_version() == "1.0.0"
    assert _tree(local_home / "venv") == old_tree
    assert not (local_home / ".loom-upgrade" / "venv.previous-1.0.0").exists()


def test_supervisor_starts_and_stops_service(local_home, monkeypatch):
    monkeypatch.setenv("METRICS_EXPORT_PORT", str(free_port()))
    target = LocalTarget(local_home)
    try:
        status = target.start_service(timeout=60)
        assert status.running
        assert status.version == "1.0.0"
        assert httpx.get(target.health_url() + "/health").json()["version"] == "1.0.0"
        assert (local_home / ".loom-upgrade" / "service.pid").read_text().strip() == str(status.pid)
    finally:
        target.stop_service()
    assert not target.service_status().running
    assert not (local_home / ".loom-upgrade" / "service.pid").exists()


def test_start_failure_shows_service_log(local_home):
    config = local_home / "config" / "default_config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("server:", "server:\n  bogus_key: 1", 1), encoding="utf-8")
    target = LocalTarget(local_home)
    with pytest.raises(Exception) as info:
        target.start_service(timeout=30)
    assert "Last lines of" in str(info.value)
    assert not target.service_status().running


def test_restore_after_switch_killed_between_renames(local_home, upgrade_wheelhouse):
    target = LocalTarget(local_home)
    old_tree = _tree(local_home / "venv")
    prepared = target.artifact_install("1.1.0", ArtifactSource(wheelhouse=upgrade_wheelhouse))
    target.state.ensure()
    os.rename(local_home / "venv", target.previous_venv("1.0.0"))  # the first rename of the switch

    target.artifact_restore({"interrupted": True, "previous_release": "1.0.0", "version": "1.1.0", "prepared": prepared.location})

    assert _tree(local_home / "venv") == old_tree
    assert target.artifact_version() == "1.0.0"
    assert not os.path.exists(prepared.location)
