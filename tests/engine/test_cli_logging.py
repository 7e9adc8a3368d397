"""Without -v, log records stay off the terminal in human output; with -v they reach stderr."""

from __future__ import annotations

import logging

import pytest

from loom_upgrade.cli.main import configure_logging


@pytest.fixture(autouse=True)
def _restore_root_logger(monkeypatch):
    monkeypatch.delenv("LOOM_UPGRADE_OUTPUT", raising=False)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_human_output_without_verbose_shows_no_log_lines(capsys):
    configure_logging(False)
    logging.getLogger("loom_upgrade.engine.runner").error("step smoke failed: on purpose")
    logging.getLogger("loom_upgrade.engine.lock").warning("removing stale lock of pid 1")
    assert capsys.readouterr().err == ""


def test_verbose_shows_log_lines(capsys):
    configure_logging(True)
    logging.getLogger("loom_upgrade.engine.runner").error("step smoke failed: on purpose")
    logging.getLogger("loom_upgrade.engine.runner").info("step stop done")
    err = capsys.readouterr().err
    assert "ERROR loom_upgrade.engine.runner: step smoke failed: on purpose" in err
    assert "step stop done" in err


def test_machine_output_keeps_warnings_on_stderr(capsys, monkeypatch):
    monkeypatch.setenv("LOOM_UPGRADE_OUTPUT", "json")
    configure_logging(False)
    logging.getLogger("loom_upgrade.engine.lock").warning("removing stale lock of pid 1")
    logging.getLogger("loom_upgrade.engine.lock").info("not shown")
    err = capsys.readouterr().err
    assert "removing stale lock of pid 1" in err
    assert "not shown" not in err


def test_configure_twice_keeps_one_handler(capsys):
    configure_logging(True)
    configure_logging(True)
    logging.getLogger("loom_upgrade").warning("once")
    assert capsys.readouterr().err.count("once") == 1
