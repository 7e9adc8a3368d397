"""``make_home``: a LOOM home of any past release, with a populated database, for tests.

Building is deterministic, so each (release, turns, seed) is built once per test session
into a cache folder and copied for every request; tests may change their copy freely.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from fixtures.build import build_home


@pytest.fixture(scope="session")
def _home_cache(tmp_path_factory) -> dict[tuple[str, int, int], Path]:
    return {}


@pytest.fixture
def make_home(tmp_path_factory, _home_cache) -> Callable[..., Path]:
    """Return ``make_home(release, turns=200, seed=7) -> Path`` that creates a fresh home folder."""

    def factory(release: str, turns: int = 200, seed: int = 7) -> Path:
        key = (release, turns, seed)
        if key not in _home_cache:
            cached = tmp_path_factory.mktemp(f"home-cache-{release}") / "home"
            build_home(release, turns, cached, seed)
            _home_cache[key] = cached
        home = tmp_path_factory.mktemp(f"home-{release}") / "home"
        shutil.copytree(_home_cache[key], home, symlinks=True)
        return home

    return factory
