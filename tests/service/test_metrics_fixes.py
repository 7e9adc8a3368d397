"""``monitoring.metrics_port`` of the config opens the metrics listener; METRICS_EXPORT_PORT overrides it."""

from __future__ import annotations

import os
import signal
import subprocess

import httpx
import pytest

from loom_runtime.config import load_settings
from tests.service.test_serve import LOOM, free_port, wait_ready


def _set_metrics_port(home, port: int) -> None:
    config = home / "config" / "default_config.yaml"
    text = config.read_text()
    assert "  metrics_port: 8001\n" in text
    config.write_text(text.replace("  metrics_port: 8001\n", f"  metrics_port: {port}\n"))


def test_config_port_is_read(home):
    _set_metrics_port(home, 9123)
    assert load_settings(home, environ={}).metrics_export_port == 9123


def test_environment_overrides_config_port(home):
    _set_metrics_port(home, 9123)
    assert load_settings(home, environ={"METRICS_EXPORT_PORT": "9200"}).metrics_export_port == 9200


def test_env_file_overrides_config_port(home):
    _set_metrics_port(home, 9123)
    (home / ".env").write_text((home / ".env").read_text() + "METRICS_EXPORT_PORT=9300\n")
    assert load_settings(home, environ={}).metrics_export_port == 9300


@pytest.mark.slow
def test_serve_opens_config_port(home):
    port, metrics_port = free_port(), free_port()
    _set_metrics_port(home, metrics_port)
    env = {name: value for name, value in os.environ.items() if name not in ("METRICS_EXPORT_PORT", "ENABLE_PERFORMANCE_MONITORING")}
    process = subprocess.Popen([LOOM, "--home", str(home), "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_ready(f"http://127.0.0.1:{port}/health", process).status_code == 200
        separate = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5)
        assert separate.status_code == 200
        assert 'loom_requests_total{method="GET",path="/health",status="200"} 1.0' in separate.text
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    assert process.returncode == 0
