"""Detection of the local LOOM service that the supervisor started.

The supervisor (engine area) writes ``service.pid`` and ``service.json`` into the state
folder. A PID file whose process is gone or a zombie means the service is not running.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import psutil

from loom_upgrade.home.model import ServiceState
from loom_upgrade.state import StateFolder

log = logging.getLogger(__name__)


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text(encoding="utf-8").split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def service_state(home: Path) -> ServiceState:
    state = StateFolder.of(home)
    pid = _read_pid(state.service_pid)
    if pid is None or not _alive(pid):
        return ServiceState(running=False, pid=pid)
    host, port = None, None
    try:
        address = json.loads(state.service_json.read_text(encoding="utf-8"))
        host, port = address.get("host"), address.get("port")
    except (OSError, ValueError, AttributeError) as exc:
        log.debug("service address unreadable in %s: %s", state.service_json, exc)
    return ServiceState(running=True, pid=pid, host=host, port=int(port) if port is not None else None)
