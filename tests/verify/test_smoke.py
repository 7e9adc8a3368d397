"""smoke() against a real `loom serve` started from this virtualenv."""

from __future__ import annotations

import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from loom_upgrade.verify import LatencyStats, SmokeSettings, smoke
from loom_upgrade.verify.rows import snapshot_rows

LOOM = Path(sys.executable).parent / "loom"
TOKEN_PATTERN = re.compile(r"loom_[A-Za-z0-9_-]{20,}")

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """A 1.1.0 home served by `loom serve` on a free loopback port."""
    from fixtures.build import build_home

    home = tmp_path_factory.mktemp("smoke") / "home"
    build_home("1.1.0", 20, home, 7)
    port = _free_port()
    log = (home.parent / "serve.log").open("wb")
    process = subprocess.Popen([str(LOOM), "--home", str(home), "serve", "--host", "127.0.0.1", "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base_url + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        process.terminate()
        pytest.fail("loom serve did not answer /health within 30 s: " + (home.parent / "serve.log").read_text())
    yield base_url, home
    process.terminate()
    process.wait(timeout=10)
    log.close()


def test_smoke_passes_on_healthy_service(service, caplog):
    base_url, home = service
    caplog.set_level("DEBUG")

    result = smoke(base_url, loom=LOOM, home=home, expected_release="1.1.0", expected_revision="1100",
                   db_url=f"sqlite:///{home / 'data' / 'loom.db'}")

    assert [check.name for check in result.checks] == ["health", "ready", "canon-run", "api-turn", "latency"]
    assert result.passed, result.to_dict()
    assert not TOKEN_PATTERN.search(str(result.to_dict()))
    assert not TOKEN_PATTERN.search(caplog.text)


def test_smoke_leaves_no_rows(service):
    base_url, home = service
    db_url = f"sqlite:///{home / 'data' / 'loom.db'}"
    before = snapshot_rows(db_url)

    result = smoke(base_url, loom=LOOM, home=home, expected_release="1.1.0", expected_revision="1100", db_url=db_url)

    assert result.passed, result.to_dict()
    assert snapshot_rows(db_url) == before
    connection = sqlite3.connect(home / "data" / "loom.db")
    users = connection.execute("SELECT count(*) FROM users WHERE name = 'loom-upgrade-smoke'").fetchone()[0]
    sessions = connection.execute(
        "SELECT count(*) FROM narrative_sessions WHERE title = 'loom-upgrade smoke test'"
    ).fetchone()[0]
    connection.close()
    assert users == 0
    assert sessions == 0


def test_smoke_keeps_existing_smoke_user(service):
    base_url, home = service
    db_url = f"sqlite:///{home / 'data' / 'loom.db'}"
    connection = sqlite3.connect(home / "data" / "loom.db")
    with connection:
        connection.execute(
            "INSERT INTO users (name, role, created_at) VALUES ('loom-upgrade-smoke', 'admin', '2026-01-01 00:00:00')"
        )
    before = snapshot_rows(db_url)

    result = smoke(base_url, loom=LOOM, home=home, expected_release="1.1.0", db_url=db_url)

    assert result.passed, result.to_dict()
    assert snapshot_rows(db_url) == before
    with connection:
        connection.execute("DELETE FROM users WHERE name = 'loom-upgrade-smoke'")
    connection.close()


def test_smoke_reports_wrong_release(service):
    base_url, home = service

    result = smoke(base_url, loom=LOOM, home=home, expected_release="1.0.0", expected_revision="1002")

    failed = {check.name: check.detail for check in result.failed}
    assert failed["health"] == "version is 1.1.0, expected 1.0.0; schema revision is 1100, expected 1002"
    assert "ready" in failed
    assert not result.passed


def test_smoke_fails_when_slower_than_baseline(service):
    base_url, home = service
    baseline = LatencyStats("/ready", 40, 0, p50_ms=0.01, p95_ms=0.02, max_ms=0.03, seconds=0.1)

    settings = SmokeSettings(min_latency_delta_ms=0.0, probe_requests=10)

    result = smoke(base_url, loom=LOOM, home=home, expected_release="1.1.0", baseline=baseline, settings=settings)

    assert [check.name for check in result.failed] == ["latency"]
