"""The local supervisor only trusts a ``/health`` answer that comes from the process it started."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from loom_upgrade.errors import TargetError
from loom_upgrade.targets import supervisor


class _Health(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        body = b'{"status": "ok", "version": "1.1.0"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def other_service():
    """Another service that already holds a port and answers ``/health`` with 200."""
    server = HTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _script(tmp_path, body: str) -> str:
    path = tmp_path / "fake-loom"
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(0o755)
    return str(path)


def test_start_rejects_other_process_health(tmp_path, other_service):
    home = tmp_path / "home"
    home.mkdir()
    # Like loom serve on a taken port: it logs the bind error and exits a moment later.
    executable = _script(tmp_path, "echo \"[Errno 98] address already in use\"; sleep 1; exit 1")

    with pytest.raises(TargetError) as info:
        supervisor.start(home, executable, host="127.0.0.1", port=other_service, timeout=10)

    assert "exited while starting" in info.value.message
    assert "address already in use" in info.value.message


def test_start_times_out_when_only_another_process_answers(tmp_path, other_service):
    home = tmp_path / "home"
    home.mkdir()
    executable = _script(tmp_path, "exec sleep 30")

    with pytest.raises(TargetError) as info:
        supervisor.start(home, executable, host="127.0.0.1", port=other_service, timeout=1.5)

    assert f"another process responded on port {other_service}" in info.value.message
    assert supervisor.running_service(supervisor.StateFolder.of(home)) is None


def test_listens_on_names_own_socket_only(other_service):
    import os
    import subprocess

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        probe.listen()
        assert supervisor.listens_on(os.getpid(), probe.getsockname()[1])
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        assert not supervisor.listens_on(sleeper.pid, other_service)
    finally:
        sleeper.kill()
        sleeper.wait()
