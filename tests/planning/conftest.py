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
        return build_home(tmp_path / f"home-{release}", release, **kwargs)

    return make
