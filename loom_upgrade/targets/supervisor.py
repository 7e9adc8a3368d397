"""The local target's built-in supervisor for ``loom --home H serve``.

There is no systemd on the machines this runs on, so the local target runs the service
itself: detached in its own session, with ``<state>/service.pid``, ``<state>/service.log``
and ``<state>/service.json`` (``{"host", "port", "executable"}``). Start waits until
``/health`` responds and the started process (or its child) listens on the port. Stop
sends SIGTERM to the service's process group, then SIGKILL after a timeout.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from loom_upgrade.errors import TargetError
from loom_upgrade.i18n import _
from loom_upgrade.state import StateFolder

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05
LOG_TAIL_LINES = 20
WARM_UP_REQUESTS = 10


@dataclass(frozen=True)
class ServiceProcess:
    pid: int
    host: str
    port: int
    executable: str


def read_pid(state: StateFolder) -> int | None:
    try:
        return int(state.service_pid.read_text(encoding="utf-8").split()[0])
    except (OSError, ValueError, IndexError):
        return None


def is_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def running_service(state: StateFolder) -> ServiceProcess | None:
    """Return the supervised service when its pidfile names a live process."""
    pid = read_pid(state)
    if pid is None or not is_alive(pid):
        return None
    try:
        address = json.loads(state.service_json.read_text(encoding="utf-8"))
        return ServiceProcess(pid, address["host"], int(address["port"]), address.get("executable", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return ServiceProcess(pid, "127.0.0.1", 0, "")


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _log_tail(state: StateFolder) -> str:
    try:
        lines = state.service_log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-LOG_TAIL_LINES:])


def listens_on(pid: int, port: int) -> bool:
    """Return whether ``pid`` or one of its descendants (uvicorn workers) listens on TCP ``port``."""
    try:
        process = psutil.Process(pid)
        family = [process, *process.children(recursive=True)]
    except psutil.Error:
        return False
    for member in family:
        try:
            connections = member.net_connections(kind="inet")
        except psutil.Error:
            continue
        if any(c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port for c in connections):
            return True
    return False


def wait_for_health(base_url: str, *, timeout: float, pid: int | None = None, port: int | None = None) -> dict:
    """Poll ``/health`` until it responds with 200 and return its JSON; raise on timeout.

    With ``pid`` and ``port``, a 200 counts only once that process (or its child) listens
    on the port. Otherwise another service that holds the port would respond for a new
    service that exited at once with "address already in use".
    """
    deadline = time.monotonic() + timeout
    last_error = ""
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if pid is not None and not is_alive(pid):
                raise TargetError(_("The LOOM service exited while starting."))
            try:
                response = client.get(base_url + "/health")
                if response.status_code == 200:
                    if pid is None or port is None or listens_on(pid, port):
                        return response.json()
                    last_error = _("another process responded on port {port}").format(port=port)
                else:
                    last_error = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                last_error = type(exc).__name__
            time.sleep(POLL_SECONDS)
    raise TargetError(
        _("The LOOM service did not answer {url}/health within {seconds} seconds ({reason}).").format(
            url=base_url, seconds=int(timeout), reason=last_error
        )
    )


def start(
    home: Path, executable: str, *, host: str, port: int, timeout: float, env: dict[str, str] | None = None
) -> ServiceProcess:
    """Start ``loom serve`` detached and wait until its health URL responds."""
    state = StateFolder.of(home)
    state.ensure()
    current = running_service(state)
    if current is not None:
        return current
    argv = [executable, "--home", str(home), "serve", "--host", host, "--port", str(port)]
    environment = dict(os.environ if env is None else env)
    environment["LOOM_HOME"] = str(home)
    log.info("starting %s", " ".join(argv))
    with state.service_log.open("ab") as log_file, open(os.devnull, "rb") as devnull:
        # A session of its own: the service survives loom-upgrade's exit, and stop can
        # signal the whole process group (uvicorn may run workers).
        process = subprocess.Popen(
            argv,
            cwd=home,
            env=environment,
            stdin=devnull,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _write_atomically(state.service_pid, f"{process.pid}\n")
    _write_atomically(state.service_json, json.dumps({"host": host, "port": port, "executable": executable}))
    try:
        wait_for_health(f"http://{host}:{port}", timeout=timeout, pid=process.pid, port=port)
    except TargetError as exc:
        _terminate(process.pid, timeout=5.0)
        raise TargetError(
            exc.message + "\n" + _("Last lines of {log}:").format(log=state.service_log) + "\n" + _log_tail(state),
            path=state.service_log,
            fix=_("Read {log}, correct the cause and run the command again.").format(log=state.service_log),
        ) from exc
    _warm_up(f"http://{host}:{port}")
    log.info("service started with pid %s on %s:%s", process.pid, host, port)
    return ServiceProcess(process.pid, host, port, executable)


def _warm_up(base_url: str, requests: int = WARM_UP_REQUESTS) -> None:
    """Send a few requests so that lazy imports and first-use caches are paid before any latency is measured."""
    with httpx.Client(timeout=2.0) as client:
        for _index in range(requests):
            for path in ("/health", "/ready"):
                try:
                    client.get(base_url + path)
                except httpx.HTTPError:
                    return


def stop(home: Path, *, timeout: float) -> bool:
    """Stop the supervised service; return whether one was running."""
    state = StateFolder.of(home)
    pid = read_pid(state)
    if pid is None or not is_alive(pid):
        state.service_pid.unlink(missing_ok=True)
        return False
    _terminate(pid, timeout=timeout)
    state.service_pid.unlink(missing_ok=True)
    log.info("service with pid %s stopped", pid)
    return True


def _terminate(pid: int, *, timeout: float) -> None:
    if not is_alive(pid):
        _reap(pid)
        return
    _signal_group(pid, signal.SIGTERM)
    if _wait_gone(pid, timeout):
        return
    log.warning("service pid %s ignored SIGTERM for %ss; sending SIGKILL", pid, timeout)
    _signal_group(pid, signal.SIGKILL)
    if not _wait_gone(pid, 5.0):
        raise TargetError(_("The LOOM service (pid {pid}) did not exit after SIGKILL.").format(pid=pid))


def _wait_gone(pid: int, timeout: float) -> bool:
    """Wait until ``pid`` is gone or a zombie; a zombie counts as gone because only its parent can reap it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if not is_alive(pid):
            return True
        time.sleep(POLL_SECONDS)
    return False


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass  # not our child: its own parent (or init) reaps it


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(os.getpgid(pid), signum)
    except ProcessLookupError:
        return
    except PermissionError:
        os.kill(pid, signum)
