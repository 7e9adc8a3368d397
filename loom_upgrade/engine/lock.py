"""The deployment lock: ``<state>/lock`` names its holder (pid, host, start time, command).

The file is created with ``O_EXCL``, so two runs can never both believe they hold it. A
lock left by a process that no longer exists on this host is stale: it is removed with a
notice. A live holder, or a holder on another host whose liveness cannot be checked from
here, makes the second run fail with exit code 5.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from loom_upgrade.engine.journal import hostname
from loom_upgrade.errors import LockedError
from loom_upgrade.i18n import _

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LockHolder:
    pid: int
    host: str
    started_at: float
    command: str
    create_time: float | None = None

    def describe(self) -> str:
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.started_at))
        return _("pid {pid} on {host}, started {started}, running: {command}").format(
            pid=self.pid, host=self.host, started=started, command=self.command
        )


def holder_alive(holder: LockHolder) -> bool:
    """Return whether the lock's holder is still running (a holder on another host counts as alive)."""
    if holder.host != hostname():
        return True  # cannot check a process on another host: assume it is alive
    if holder.pid <= 0:
        return False
    try:
        process = psutil.Process(holder.pid)
    except psutil.NoSuchProcess:
        return False
    if process.status() == psutil.STATUS_ZOMBIE:
        return False
    # A recycled pid belongs to a process that started after the lock was taken.
    if holder.create_time is not None and abs(process.create_time() - holder.create_time) > 1.0:
        return False
    return True


class DeploymentLock:
    """Context manager holding ``<state>/lock`` for the duration of one command."""

    def __init__(self, state_dir: Path, command: str, notify: Callable[[str], None] | None = None) -> None:
        self.path = state_dir / "lock"
        self.command = command
        self.notify = notify or (lambda message: None)
        self.held = False

    def read_holder(self) -> LockHolder | None:
        try:
            data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
            return LockHolder(
                pid=int(data["pid"]),
                host=str(data["host"]),
                started_at=float(data["started_at"]),
                command=str(data["command"]),
                create_time=data.get("create_time"),
            )
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, json.JSONDecodeError):
            # A torn lock file: its writer died while writing it, so no process holds it.
            return LockHolder(pid=-1, host=hostname(), started_at=0.0, command="?")

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):
            if self._try_create():
                self.held = True
                return
            holder = self.read_holder()
            if holder is None:
                continue  # released between our two calls; try again
            if holder_alive(holder):
                raise LockedError(
                    _("Another loom-upgrade run holds the lock of this deployment: {holder}.").format(
                        holder=holder.describe()
                    ),
                    path=self.path,
                    fix=_("Wait for that run to finish. If that process is gone, delete {path}.").format(
                        path=self.path
                    ),
                )
            message = _("Removed a stale lock left by {holder}; that process no longer exists.").format(
                holder=holder.describe()
            )
            log.warning("removing stale lock %s held by pid %s", self.path, holder.pid)
            self.notify(message)
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
        raise LockedError(
            _("The lock {path} changed hands repeatedly while loom-upgrade tried to take it.").format(path=self.path),
            path=self.path,
            fix=_("Run the command again."),
        )

    def _try_create(self) -> bool:
        me = psutil.Process()
        content = json.dumps(
            {
                "pid": os.getpid(),
                "host": hostname(),
                "started_at": time.time(),
                "create_time": me.create_time(),
                "command": self.command,
            }
        )
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        try:
            os.write(fd, content.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        return True

    def release(self) -> None:
        if self.held:
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
            self.held = False

    def __enter__(self) -> DeploymentLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()
