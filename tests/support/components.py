"""How a test reacts when a real component (PostgreSQL, Docker, sshd, ...) is missing.

In CI (``CI`` set to a true value) a missing component fails the test, because a skipped
test there would pass as green without testing anything. On a developer's machine the
test is skipped with the reason.
"""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def component_missing(name: str, reason: str) -> None:
    """Fail in CI, skip elsewhere; never returns."""
    message = f"{name} is not available: {reason}"
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
