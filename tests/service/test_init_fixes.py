"""``loom init``: the .env mode and the confirmation before ``--force`` deletes rows."""

from __future__ import annotations

import io
import sqlite3
import stat
import sys


class _Terminal(io.StringIO):
    """Standard input that claims to be a terminal, with the user's typed answer."""

    def isatty(self) -> bool:
        return True


def _count(home, table: str) -> int:
    with sqlite3.connect(home / "data" / "loom.db") as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_init_env_owner_only(tmp_path, loom):
    folder = tmp_path / "h"
    outcome = loom("--home", folder, "init")
    assert outcome.code == 0, outcome.err
    assert stat.S_IMODE((folder / ".env").stat().st_mode) == 0o600
    assert f"{folder}/.env is readable and writable only by its owner (mode 0600), because it contains API keys." in outcome.out


def test_init_force_without_terminal_needs_yes(home, loom, admin_token):
    outcome = loom("--home", home, "init", "--force")
    assert outcome.code == 2
    assert outcome.err.splitlines()[0] == (
        "Error: `loom init --force` would delete every row of the database (api_tokens 1, users 1), "
        "and no terminal is attached to confirm it.")
    assert "Fix: pass --yes to delete them, or run `loom export` first to keep a copy." in outcome.err
    assert _count(home, "api_tokens") == 1


def test_init_force_terminal_declined(home, loom, admin_token, monkeypatch):
    monkeypatch.setattr(sys, "stdin", _Terminal("n\n"))
    outcome = loom("--home", home, "init", "--force")
    assert outcome.code == 1
    assert "`loom init --force` deletes every row of the database: api_tokens 1, users 1." in outcome.out
    assert outcome.err.splitlines()[0] == "Error: Nothing was changed."
    assert _count(home, "api_tokens") == 1


def test_init_force_terminal_confirmed(home, loom, admin_token, monkeypatch):
    monkeypatch.setattr(sys, "stdin", _Terminal("y\n"))
    outcome = loom("--home", home, "init", "--force")
    assert outcome.code == 0, outcome.err
    assert _count(home, "api_tokens") == 0


def test_init_force_yes_deletes(home, loom, admin_token):
    outcome = loom("--home", home, "init", "--force", "--yes")
    assert outcome.code == 0, outcome.err
    assert _count(home, "users") == 0


def test_init_force_empty_database_asks_nothing(home, loom):
    outcome = loom("--home", home, "init", "--force")
    assert outcome.code == 0, outcome.err


def test_init_help_documents_deletion(loom):
    outcome = loom("init", "--help")
    assert outcome.code == 0
    text = " ".join(outcome.out.split())
    assert "deleting every row (sessions, turns, facts, users and tokens)" in text
    assert "elsewhere it needs --yes" in text


def test_import_fix_says_init_deletes_rows(home, loom, admin_token, tmp_path):
    export = tmp_path / "full.json"
    assert loom("--home", home, "export", "--output", export).code == 0
    outcome = loom("--home", home, "import", "--file", export)
    assert outcome.code == 1
    assert outcome.err.splitlines()[1] == (
        "Fix: Recreate the database with `loom init --force`, which deletes every row it contains "
        "(config, .env and canon stay), then import.")


def test_import_fix_in_chinese(home, loom, admin_token, tmp_path):
    export = tmp_path / "full.json"
    assert loom("--home", home, "export", "--output", export).code == 0
    outcome = loom("--home", home, "--lang", "zh", "import", "--file", export)
    assert outcome.err.splitlines()[1] == (
        "解决方法：用 `loom init --force` 重建数据库，它会删除数据库中的所有行（配置、.env 和正典保留），然后再导入。")
