"""Fixtures for end-to-end upgrades: real homes, real virtualenvs, a real supervised service.

Every test runs ``loom-upgrade`` as a subprocess with a PATH that contains no ``loom``, so the
home's own ``venv/`` is the only LOOM code the upgrade can use.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from loom_upgrade.targets import venvs
from loom_upgrade.targets.base import ArtifactSource
from loom_upgrade.targets.local import LocalTarget

ROOT = Path(__file__).resolve().parents[2]
LOOM_UPGRADE = [sys.executable, "-m", "loom_upgrade"]
STATE = ".loom-upgrade"

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def upgrade_wheelhouse(wheelhouse, stamped_wheel, tmp_path_factory) -> Path:
    """One folder with the dependency wheels and LOOM stamped 1.0.0 and 1.1.0."""
    folder = tmp_path_factory.mktemp("upgrade-wheelhouse")
    for wheel in Path(wheelhouse).glob("*.whl"):
        if not wheel.name.startswith("loom_narrative-"):
            (folder / wheel.name).symlink_to(wheel)
    for version in ("1.0.0", "1.1.0"):
        wheel = stamped_wheel(version)
        (folder / wheel.name).symlink_to(wheel)
    return folder


@pytest.fixture(scope="session")
def test_playbook(tmp_path_factory) -> Path:
    """The shipped local playbook with a smoke latency limit of 4x instead of 1.5x.

    On a loaded two-core test machine a freshly started service answers a few
    milliseconds slower than the warm one it replaces, which the shipped limit rejects.
    """
    from loom_upgrade.engine.playbook import default_playbook_path

    text = default_playbook_path().read_text(encoding="utf-8")
    assert "max_latency_ratio: 1.5" in text
    path = tmp_path_factory.mktemp("playbook") / "local-test.yaml"
    path.write_text(text.replace("max_latency_ratio: 1.5", "max_latency_ratio: 4.0"), encoding="utf-8")
    return path


@dataclass
class Deployment:
    """A home ready for an end-to-end upgrade, with the ports and environment it uses."""

    home: Path
    port: int
    metrics_port: int
    env: dict[str, str] = field(default_factory=dict)
    playbook: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*LOOM_UPGRADE, *args], env=self.env, capture_output=True, text=True, timeout=timeout, cwd=ROOT
        )

    def apply(self, *args: str, wheelhouse: Path | None = None) -> subprocess.CompletedProcess:
        extra = ["--wheelhouse", str(wheelhouse)] if wheelhouse is not None else []
        if self.playbook is not None and "--resume" not in args:
            extra += ["--playbook", str(self.playbook)]
        return self.cli("apply", "--home", str(self.home), "--yes", *extra, *args)

    def target(self) -> LocalTarget:
        return LocalTarget(self.home)

    def start(self) -> None:
        previous = dict(os.environ)
        os.environ.update(self.env)
        try:
            self.target().start_service(timeout=60)
        finally:
            os.environ.clear()
            os.environ.update(previous)

    def stop(self) -> None:
        self.target().stop_service()

    def health(self) -> dict | None:
        try:
            return httpx.get(self.base_url + "/health", timeout=2).json()
        except (httpx.HTTPError, ValueError):
            return None

    def install_venv(self, version: str, wheelhouse: Path) -> None:
        venvs.create_venv(self.home / "venv", venvs.base_python(self.home / "nonexistent"), version, ArtifactSource(wheelhouse=wheelhouse))


@pytest.fixture
def deployment(make_home, tmp_path, test_playbook):
    """``deployment(release, turns=60)``: a home on free ports whose service is stopped at the end."""
    made: list[Deployment] = []

    def factory(release: str, turns: int = 60) -> Deployment:
        home = make_home(release, turns=turns)
        port, metrics_port = free_port(), free_port()
        config = home / "config" / "default_config.yaml"
        text = config.read_text(encoding="utf-8").replace("port: 8000", f"port: {port}")
        config.write_text(text.replace("metrics_port: 8001", f"metrics_port: {metrics_port}"), encoding="utf-8")
        env = {
            "PATH": "/usr/bin:/bin",  # no loom on PATH
            "HOME": str(tmp_path),
            "LANG": "C.UTF-8",
            "NO_COLOR": "1",
            # The process environment wins over .env, so migrated homes never bind 8001.
            "METRICS_EXPORT_PORT": str(metrics_port),
        }
        deployment = Deployment(home=home, port=port, metrics_port=metrics_port, env=env, playbook=test_playbook)
        made.append(deployment)
        return deployment

    yield factory
    for deployment in made:
        deployment.stop()


def tree_digest(home: Path) -> dict[str, str]:
    """sha256 of every file of the home outside its state folder, the database by logical dump."""
    from loom_upgrade.verify import logical_digest

    digests: dict[str, str] = {}
    for path in sorted(home.rglob("*")):
        relative = path.relative_to(home).as_posix()
        if relative == STATE or relative.startswith(STATE + "/") or "__pycache__" in relative:
            continue
        if relative.startswith("data/loom.db"):
            continue
        if path.is_symlink():
            digests[relative] = "link:" + os.readlink(path)
        elif path.is_file():
            digests[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_dir():
            digests[relative] = "dir"
    database = home / "data" / "loom.db"
    if database.exists():
        digests["data/loom.db (logical)"] = logical_digest(f"sqlite:///{database}", home=home)
    return digests


def differing(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))


class HealthPoller:
    """An independent client polling ``/health`` every 50 ms; measures the longest outage."""

    def __init__(self, base_url: str, interval: float = 0.05) -> None:
        self.base_url = base_url
        self.interval = interval
        self.samples: list[tuple[float, str | None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=0.5) as client:
            while not self._stop.is_set():
                try:
                    version = client.get(self.base_url + "/health").json().get("version")
                except (httpx.HTTPError, ValueError):
                    version = None
                self.samples.append((time.monotonic(), version))
                time.sleep(self.interval)

    def __enter__(self) -> HealthPoller:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def longest_outage(self) -> float:
        longest, down_since = 0.0, None
        for moment, version in self.samples:
            if version is None and down_since is None:
                down_since = moment
            elif version is not None and down_since is not None:
                longest = max(longest, moment - down_since)
                down_since = None
        return longest

    def versions(self) -> list[str]:
        seen: list[str] = []
        for _moment, version in self.samples:
            if version is not None and (not seen or seen[-1] != version):
                seen.append(version)
        return seen


def journal_records(home: Path) -> list[dict]:
    journals = sorted((home / STATE / "journal").glob("*.jsonl"))
    return [json.loads(line) for line in journals[-1].read_text(encoding="utf-8").splitlines()]
