"""A run killed with SIGKILL inside a step is resumed, or rolled back, from its journal.

Each case kills ``apply`` at ``<step-id>:<point>`` through the ``LOOM_UPGRADE_CRASH_AT``
testing hook on two identical homes, then resumes one and rolls the other back.
"""

from __future__ import annotations

import signal
import subprocess

import pytest

from loom_upgrade.engine.components import detect
from tests.e2e.conftest import LOOM_UPGRADE, ROOT, differing, tree_digest
from tests.e2e.pg_homes import postgres_home

pytestmark = pytest.mark.slow

# Every step of a 1.0.0 -> 1.1.0 run without an artifact, at a point inside it.
CRASH_POINTS = [
    "preflight:before",
    "stop:after",
    "backup:middle",
    "hop2.migrate-config:after",
    "hop2.migrate-env:before",
    "hop2.migrate-canon:after",
    "hop2.migrate-plugins:after",
    "hop2.db-migrate:middle",
    "hop2.verify-hop:before",
    "artifact-switch:after",
    "start:after",
    "smoke:after",
    "verify:after",
]


def _start(deployed, *args: str, crash_at: str | None = None) -> subprocess.Popen:
    env = dict(deployed.env)
    if crash_at is not None:
        env["LOOM_UPGRADE_CRASH_AT"] = crash_at
    return subprocess.Popen(
        [*LOOM_UPGRADE, *args], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finish(process: subprocess.Popen) -> tuple[int, str]:
    stdout, stderr = process.communicate(timeout=600)
    return process.returncode, stdout + stderr


def _crash_resume_and_rollback(first, second, crash_at: str) -> None:
    before = tree_digest(second.home)
    crashed = [
        _start(deployed, "apply", "--home", str(deployed.home), "--yes", "--no-artifact", crash_at=crash_at)
        for deployed in (first, second)
    ]
    for process in crashed:
        code, output = _finish(process)
        assert code == -signal.SIGKILL, output

    resumed = _start(first, "apply", "--resume", "--home", str(first.home), "--yes")
    rolled_back = _start(second, "rollback", "--home", str(second.home), "--yes")
    code, output = _finish(resumed)
    assert code == 0, output
    code, output = _finish(rolled_back)
    assert code == 0, output

    assert detect(first.home).release == "1.1.0"
    assert detect(first.home).db_revision == "1100"
    assert detect(second.home).release == "1.0.0"
    assert differing(before, tree_digest(second.home)) == []


@pytest.mark.parametrize("crash_at", CRASH_POINTS)
def test_crash_then_resume_or_rollback(deployment, crash_at):
    _crash_resume_and_rollback(deployment("1.0.0", turns=30), deployment("1.0.0", turns=30), crash_at)


@pytest.mark.postgres
@pytest.mark.parametrize("crash_at", ["backup:middle", "hop2.db-migrate:middle", "hop2.verify-hop:before"])
def test_crash_on_postgres(deployment, postgres_server, crash_at):
    first = postgres_home(deployment("1.0.0", turns=30), postgres_server)
    second = postgres_home(deployment("1.0.0", turns=30), postgres_server)
    _crash_resume_and_rollback(first, second, crash_at)


@pytest.mark.parametrize("point", ["middle", "old-moved"])
def test_crash_inside_artifact_switch(deployment, upgrade_wheelhouse, point):
    homes = [deployment("1.0.0", turns=10), deployment("1.0.0", turns=10)]
    for deployed in homes:
        deployed.install_venv("1.0.0", upgrade_wheelhouse)
    first, second = homes
    before = tree_digest(second.home)
    crashed = [
        _start(deployed, "apply", "--home", str(deployed.home), "--yes", "--wheelhouse", str(upgrade_wheelhouse),
               "--playbook", str(deployed.playbook), crash_at=f"artifact-switch:{point}")
        for deployed in homes
    ]
    for process in crashed:
        code, output = _finish(process)
        assert code == -signal.SIGKILL, output

    code, output = _finish(_start(first, "apply", "--resume", "--home", str(first.home), "--yes"))
    assert code == 0, output
    code, output = _finish(_start(second, "rollback", "--home", str(second.home), "--yes"))
    assert code == 0, output

    assert first.health()["version"] == "1.1.0"
    assert detect(second.home).release == "1.0.0"
    assert differing(before, tree_digest(second.home)) == []


def test_rollback_of_switch_into_home_without_venv(deployment, upgrade_wheelhouse):
    deployed = deployment("1.0.0", turns=5)
    assert not (deployed.home / "venv").exists()
    before = tree_digest(deployed.home)
    crashed = _start(deployed, "apply", "--home", str(deployed.home), "--yes", "--wheelhouse", str(upgrade_wheelhouse),
                     "--playbook", str(deployed.playbook), crash_at="artifact-switch:new-moved")
    code, output = _finish(crashed)
    assert code == -signal.SIGKILL, output
    assert (deployed.home / "venv").is_dir()  # the new release's venv, switched in

    code, output = _finish(_start(deployed, "rollback", "--home", str(deployed.home), "--yes"))

    assert code == 0, output
    assert not (deployed.home / "venv").exists()
    assert not (deployed.home / ".loom-upgrade" / "staging").exists()
    assert differing(before, tree_digest(deployed.home)) == []


def test_resume_without_interrupted_run(deployment):
    deployed = deployment("1.0.0", turns=5)

    code, output = _finish(_start(deployed, "apply", "--resume", "--home", str(deployed.home), "--yes"))

    assert code == 2
    assert "There is no interrupted run to resume" in output


def test_apply_after_crash_names_next_command(deployment):
    deployed = deployment("1.0.0", turns=5)
    crashed = _start(deployed, "apply", "--home", str(deployed.home), "--yes", "--no-artifact", crash_at="backup:middle")
    code, output = _finish(crashed)
    assert code == -signal.SIGKILL, output

    code, output = _finish(_start(deployed, "apply", "--home", str(deployed.home), "--yes", "--no-artifact"))

    assert code == 4
    assert "was interrupted and never finished" in output
    assert "loom-upgrade apply --resume --home" in output
