"""``status`` and ``history``: a dead lock holder, JSON Lines, and status words in Chinese."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from loom_upgrade.engine.journal import Journal, hostname
from tests.e2e.conftest import ROOT


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.fixture
def killed_home(make_home):
    """A home whose apply was killed with SIGKILL: an unfinished journal and its lock left behind."""
    home = make_home("1.0.0", turns=2)
    state = home / ".loom-upgrade"
    run = Journal.create(state, "20261204T212500Z-abc123")
    run.append("run-start", run_id="20261204T212500Z-abc123", command="apply", from_release="1.0.0",
               to_release="1.1.0", steps=["preflight", "stop", "backup"], plan_steps=[], hops=[], context={})
    run.append("step", id="preflight", kind="preflight", status="done", data={}, error=None)
    run.append("step", id="stop", kind="stop", status="started", data={}, error=None)
    run.append("backup", id="20261204T212501Z-1.0.0-1d17")
    (state / "lock").write_text(json.dumps(
        {"pid": _dead_pid(), "host": hostname(), "started_at": time.time(), "create_time": time.time(), "command": "apply"}
    ), encoding="utf-8")
    return home


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "loom_upgrade", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_status_names_dead_lock_holder_and_next_command(killed_home):
    result = _cli("status", "--home", str(killed_home))

    assert result.returncode == 0, result.stderr
    assert "Lock: stale, left by pid" in result.stdout
    assert "that process no longer exists" in result.stdout
    assert f"loom-upgrade apply --resume --home {killed_home}" in result.stdout
    assert f"loom-upgrade rollback --home {killed_home}" in result.stdout


def test_status_json_says_lock_is_stale(killed_home):
    document = json.loads(_cli("status", "--home", str(killed_home), "--output", "json").stdout)

    assert document["lock_stale"] is True
    assert document["next_commands"] == [
        f"loom-upgrade apply --resume --home {killed_home}", f"loom-upgrade rollback --home {killed_home}"
    ]
    assert document["last_run"]["outcome"] == "unfinished"


def test_status_and_history_print_json_lines(killed_home):
    status = [json.loads(line) for line in _cli("status", "--home", str(killed_home), "--output", "jsonl").stdout.splitlines()]
    history = [json.loads(line) for line in _cli("history", "--home", str(killed_home), "--output", "jsonl").stdout.splitlines()]

    assert [line["kind"] for line in status] == ["status", "run", "step", "step", "step"]
    assert [line["status"] for line in status[2:]] == ["done", "started", "pending"]
    assert len(history) == 1
    assert history[0]["run_id"] == "20261204T212500Z-abc123"


def test_status_words_in_chinese(killed_home):
    result = _cli("--lang", "zh", "status", "--home", str(killed_home))

    assert result.returncode == 0, result.stderr
    for english in ("done", "started", "pending", "unfinished"):
        assert f" {english} " not in result.stdout
    assert "完成" in result.stdout
    assert "进行中" in result.stdout
    assert "待执行" in result.stdout


def test_history_outside_terminal_keeps_whole_ids(killed_home):
    result = _cli("history", "--home", str(killed_home))

    assert "20261204T212500Z-abc123" in result.stdout
    assert "20261204T212501Z-1.0.0-1d17" in result.stdout
    assert "…" not in result.stdout
    for line in result.stdout.splitlines():
        assert line == line.rstrip()
