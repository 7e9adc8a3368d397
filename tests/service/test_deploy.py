"""deploy/: the image serves /ready, and the systemd unit, manifests and task definition are valid."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from ruamel.yaml import YAML

from tests.support.components import component_missing

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, status: int, timeout: float = 30.0) -> httpx.Response:
    """Poll ``url`` until it returns ``status``; docker-proxy accepts connections before the app listens."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == status:
                return response
            last = response.status_code
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.25)
    raise AssertionError(f"{url} did not answer {status} within {timeout}s (last: {last})")


@pytest.mark.docker
@pytest.mark.slow
def test_image_serves_ready(docker_client, loom_image):
    tag = loom_image("1.1.0")
    port = free_port()
    container = docker_client.containers.run(tag, detach=True, init=True, labels={"org.loom.test": "1"},
                                             ports={"8000/tcp": ("127.0.0.1", port)})
    try:
        response = wait_for(f"http://127.0.0.1:{port}/ready", 200)
        assert response.json()["schema_revision"] == "1100"
        assert httpx.get(f"http://127.0.0.1:{port}/health").json()["version"] == "1.1.0"
    finally:
        container.remove(force=True)


def test_systemd_unit_verifies(tmp_path):
    analyzer = shutil.which("systemd-analyze")
    if analyzer is None:
        component_missing("systemd-analyze", "install the systemd package (only the analyzer is used)")
    # The unit names /opt/loom/venv/bin/loom; point it at this checkout's loom so that
    # verify can check the executable exists.
    loom = Path(sys.executable).with_name("loom")
    unit = tmp_path / "loom.service"
    unit.write_text((DEPLOY / "systemd" / "loom.service").read_text().replace("/opt/loom/venv/bin/loom", str(loom)))
    result = subprocess.run([analyzer, "verify", "--man=no", str(unit)], capture_output=True, text=True, check=False)
    problems = [line for line in result.stderr.splitlines() if "loom.service" in line]
    assert result.returncode == 0, result.stderr
    assert problems == []


def test_kubernetes_manifests_parse():
    documents = {path.name: YAML(typ="safe").load(path.read_text()) for path in sorted((DEPLOY / "kubernetes").glob("*.yaml"))}
    deployment = documents["deployment.yaml"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["name"] == "loom"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert documents["service.yaml"]["spec"]["selector"] == {"app": "loom", "version": "blue"}
    config = YAML(typ="safe").load(documents["configmap.yaml"]["data"]["default_config.yaml"])
    from loom_runtime.config.validate import matching_formats

    assert matching_formats(config) == ["1.1.0"]


def test_ecs_task_definition():
    task = json.loads((DEPLOY / "ecs" / "task-definition.json").read_text())
    assert task["family"] == "loom-task"
    container = task["containerDefinitions"][0]
    assert container["name"] == "loom"
    assert container["linuxParameters"]["initProcessEnabled"] is True
    assert all("STORAGE_URL" not in item["name"] for item in container["environment"])
