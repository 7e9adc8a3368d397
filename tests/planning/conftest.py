import socket

import pytest

from loom_upgrade.catalog import load_catalog
from tests.planning.fixture_home import build_home


@pytest.fixture(scope="session")
def catalog():
    return load_catalog()


@pytest.fixture
def make_test_home(tmp_path):
    """Build a small home of a release: ``make_test_home("0.9.3")``."""

    def make(release: str, **kwargs):
        home = build_home(tmp_path / f"home-{release}", release, **kwargs)
        # The service-port check fails when server.port is taken, and 8000 often is on a
        # shared test host, so every test home listens on a port free right now.
        config = home / "config" / "default_config.yaml"
        config.write_text(config.read_text(encoding="utf-8").replace("port: 8000", f"port: {free_port()}"), encoding="utf-8")
        return home

    return make


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
