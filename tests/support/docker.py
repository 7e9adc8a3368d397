"""Fixtures for tests that need Docker: a running daemon, LOOM's base image and LOOM images.

``docker_client`` runs ``scripts/components/docker.sh all`` (install docker.io and
mmdebstrap when missing, start dockerd in the background, build the ``loom-base`` image
once) and returns a docker SDK client. ``loom_image(version)`` builds an image of the
working tree stamped with ``version`` from the wheelhouse, with no network access, and
reuses it while the wheel's content is unchanged.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.components import component_missing

ROOT = Path(__file__).resolve().parents[2]
SETUP_SCRIPT = ROOT / "scripts" / "components" / "docker.sh"
BASE_IMAGE = "loom-base:bookworm"
TEST_LABEL = "org.loom.test"
SETUP_TIMEOUT_SECONDS = 600


@pytest.fixture(scope="session")
def docker_client():
    if shutil.which("bash") is None:
        component_missing("Docker", "bash is needed to run scripts/components/docker.sh")
    result = subprocess.run(["bash", str(SETUP_SCRIPT), "all"], capture_output=True, text=True,
                            timeout=SETUP_TIMEOUT_SECONDS, check=False)
    if result.returncode != 0:
        component_missing("Docker", f"{SETUP_SCRIPT} failed: {result.stderr[-1500:]}")
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env()
        client.ping()
    except DockerException as exc:
        component_missing("Docker", f"the daemon does not answer: {exc}")
    yield client
    client.close()


def _write_requirements(path: Path) -> None:
    """Write the runtime requirements with tools/wheelhouse.py, a script rather than a module."""
    spec = importlib.util.spec_from_file_location("loom_tools_wheelhouse", ROOT / "tools" / "wheelhouse.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_requirements(path)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


@pytest.fixture(scope="session")
def loom_image(docker_client, wheelhouse, stamped_wheel, tmp_path_factory) -> Callable[[str], str]:
    """Return ``loom_image(version) -> tag`` of an image with that stamped release installed."""
    from docker.errors import BuildError, ImageNotFound

    def build(version: str) -> str:
        wheel = stamped_wheel(version)
        digest = hashlib.sha256((_digest(wheel) + _digest(ROOT / "deploy" / "Dockerfile")).encode()).hexdigest()[:12]
        tag = f"loom-test:{version}-{digest}"
        try:
            docker_client.images.get(tag)
            return tag
        except ImageNotFound:
            pass
        context = tmp_path_factory.mktemp(f"docker-context-{version}")
        shutil.copytree(wheelhouse, context / "wheels" / "deps", ignore=shutil.ignore_patterns(".complete-*"))
        _write_requirements(context / "wheels" / "requirements.txt")
        (context / "wheels" / "loom").mkdir()
        shutil.copy2(wheel, context / "wheels" / "loom" / wheel.name)
        shutil.copy2(ROOT / "deploy" / "Dockerfile", context / "Dockerfile")
        shutil.copy2(ROOT / "deploy" / "dockerignore", context / ".dockerignore")
        try:
            docker_client.images.build(path=str(context), tag=tag, rm=True, forcerm=True,
                                       buildargs={"LOOM_VERSION": version, "BASE_IMAGE": BASE_IMAGE},
                                       labels={TEST_LABEL: "1"})
        except BuildError as exc:
            log = "".join(chunk.get("stream", "") for chunk in exc.build_log)
            raise AssertionError(f"building {tag} failed: {exc}\n{log[-3000:]}") from exc
        return tag

    return build
