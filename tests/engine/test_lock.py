from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from loom_upgrade.engine.lock import DeploymentLock
from loom_upgrade.errors import LockedError


def _write_lock(state, pid: int, command: str = "apply") -> None:
    state.mkdir(parents=True, exist_ok=True)
    holder = {"pid": pid, "host": socket.gethostname(), "started_at": time.time(), "command": command}
    (state / "lock").write_text(json.dumps(holder), encoding="utf-8")


def test_lock_names_holder_and_is_released(tmp_path):
    with DeploymentLock(tmp_path, "apply --to 1.1") as lock:
        holder = lock.read_holder()
        assert holder.pid == os.getpid()
        assert holder.command == "apply --to 1.1"
    assert not (tmp_path / "lock").exists()


def test_live_lock_rejected_with_exit_5(tmp_path):
    _write_lock(tmp_path, os.getpid(), "apply (other run)")
    with pytest.raises(LockedError) as info:
        DeploymentLock(tmp_path, "apply").acquire()
    assert info.value.exit_code == 5
    assert f"pid {os.getpid()}" in info.value.message
    assert "apply (other run)" in info.value.message


def test_stale_lock_recovered_with_notice(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    _write_lock(tmp_path, dead_pid)
    notices: list[str] = []
    with DeploymentLock(tmp_path, "apply", notify=notices.append) as lock:
        assert lock.read_holder().pid == os.getpid()
    assert len(notices) == 1
    assert f"pid {dead_pid}" in notices[0]
    assert "no longer exists" in notices[0]


def test_torn_lock_file_is_stale(tmp_path):
    (tmp_path / "lock").write_text('{"pid": 12', encoding="utf-8")
    notices: list[str] = []
    with DeploymentLock(tmp_path, "apply", notify=notices.append):
        pass
    assert len(notices) == 1
