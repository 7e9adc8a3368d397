"""``loom serve`` as a real process: JSON logs, metrics port, clean stop, bad config."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

LOOM = str(Path(sys.executable).with_name("loom"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 20.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"loom serve exited with {process.returncode}: {process.stderr.read()}")
        try:
            return httpx.get(url, timeout=1)
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout}s")


@pytest.mark.slow
def test_serve_logs_json_and_exports_metrics(home):
    port, metrics_port = free_port(), free_port()
    env = dict(os.environ, METRICS_EXPORT_PORT=str(metrics_port), ENABLE_PERFORMANCE_MONITORING="true")
    process = subprocess.Popen([LOOM, "--home", str(home), "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_ready(f"http://127.0.0.1:{port}/health", process).json()["schema_revision"] == "1100"
        assert httpx.get(f"http://127.0.0.1:{port}/ready").status_code == 200
        separate = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
        assert 'loom_requests_total{method="GET",path="/health",status="200"} 1.0' in separate
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=15)
    assert process.returncode == 0
    records = [json.loads(line) for line in err.splitlines() if line.strip()]
    assert {"time", "level", "logger", "message"} <= set(records[0])
    assert any(record.get("route") == "/health" and record.get("status") == 200 for record in records)
    assert "Application shutdown complete." in [record["message"] for record in records]


def test_serve_bad_config_exits_without_traceback(home):
    config = home / "config" / "default_config.yaml"
    config.write_text(config.read_text().replace("port: 8000", "port: eighty"))
    result = subprocess.run([LOOM, "--home", str(home), "serve"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f'{config}:4: server.port: expected a value of type integer, found "eighty". Fix: write a value of type integer.')


def test_serve_missing_database_creates_nothing(home):
    database = home / "data" / "loom.db"
    database.unlink()
    result = subprocess.run([LOOM, "--home", str(home), "serve"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f"Error: The database file {home.resolve()}/data/loom.db does not exist."
    assert not database.exists()


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_signal_exits_zero(home, stop):
    port = free_port()
    process = subprocess.Popen([LOOM, "--home", str(home), "serve", "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_ready(f"http://127.0.0.1:{port}/ready", process).status_code == 200
    finally:
        process.send_signal(stop)
        _out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    messages = [json.loads(line)["message"] for line in err.splitlines() if line.strip()]
    assert f"LOOM stopped after signal {stop.name}" in messages
    assert "Traceback" not in err
