"""Helpers for the service tests: run ``loom`` in-process and make fresh homes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from loom_runtime.i18n import set_language


@dataclass
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture
def loom(capsys, monkeypatch) -> Callable[..., Outcome]:
    """Return ``loom(*args)``, which runs the console script's ``run()`` in this process."""
    from loom_runtime.cli.main import run

    def invoke(*args: str) -> Outcome:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["loom", *map(str, args)])
        try:
            run()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            set_language("en")
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    monkeypatch.delenv("LOOM_HOME", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    set_language("en")
    return invoke


@pytest.fixture
def home(tmp_path, loom) -> Path:
    """A home made by ``loom init``."""
    folder = tmp_path / "home"
    outcome = loom("--home", folder, "init")
    assert outcome.code == 0, outcome.err
    return folder


@pytest.fixture
def admin_token(home, loom) -> str:
    outcome = loom("--home", home, "token", "create", "--user", "admin", "--role", "admin", "--quiet")
    assert outcome.code == 0, outcome.err
    return outcome.out.strip()
