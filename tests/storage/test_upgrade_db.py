"""loom_upgrade.db: the 0.2.0 export, integrity helpers, URL redaction and error translation."""

import sqlite3
import stat

import pytest

from loom_migrations import errors as m
from loom_migrations import runner
from loom_runtime.storage.exchange import import_database
from loom_upgrade.db import export_home, foreign_key_violations, integrity_problems, redact_url, translate_migrations_error
from loom_upgrade.errors import ExitCode


def test_export_home_020_imports_into_100(make_home, tmp_path):
    home = make_home("0.2.0", turns=120)
    output = export_home(home, tmp_path / "out" / "loom-0.2.0.json")
    target = f"sqlite:///{tmp_path / 'target.db'}"
    runner.upgrade(target, "1002")

    summary = import_database(target, output)

    assert summary.release == "0.2.0"
    assert summary.rows["game_turns"] == 120
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    with sqlite3.connect(tmp_path / "target.db") as connection:
        assert connection.execute("SELECT count(*) FROM narrative_turns").fetchone()[0] == 120


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://loom:s3cret@db:5432/loom", "postgresql+psycopg://loom:***@db:5432/loom"),
        ("sqlite:////srv/loom/data/loom.db", "sqlite:////srv/loom/data/loom.db"),
        ("not a url with s3cret", "<invalid database URL>"),
    ],
)
def test_redact_url(url, shown):
    assert redact_url(url) == shown
    assert "s3cret" not in redact_url(url)


def test_integrity_helpers(make_home):
    database = make_home("0.9.3", turns=30) / "data" / "loom.db"
    assert integrity_problems(database) == []
    with sqlite3.connect(database) as connection:
        connection.execute("INSERT INTO game_turns (session_id, turn_index, player_input, gm_response, created_at) "
                           "VALUES ('missing', 0, 'a', 'b', '2025-01-01 00:00:00.000000')")
    assert foreign_key_violations(database)[0][0] == "game_turns"


@pytest.mark.parametrize(
    ("error", "code", "words"),
    [
        (m.StaleBatchTablesError(["_alembic_tmp_settings"], "a1"), ExitCode.PREFLIGHT, "--drop-stale-batch-tables"),
        (m.RowLossError([("tasks", 3, 0)]), ExitCode.ROLLED_BACK, "tasks: 3 -> 0"),
        (m.LossyDowngradeError("1001", "plugin_state", None, 1), ExitCode.USAGE, "plugin_state"),
        (m.DatabaseNotFoundError("/x/loom.db"), ExitCode.USAGE, "/x/loom.db"),
    ],
)
def test_translate_migrations_error(error, code, words):
    translated = translate_migrations_error(error)
    assert translated.exit_code == code
    assert words in translated.message + (translated.fix or "")


def test_translate_locked_database():
    translated = translate_migrations_error(m.DatabaseLockedError("/srv/loom/data/loom.db"))
    assert translated.exit_code == ExitCode.PREFLIGHT
    assert translated.message == "The database /srv/loom/data/loom.db is locked by another process."
