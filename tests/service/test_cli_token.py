"""``loom token create``: shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import re
import sqlite3


def test_quiet_prints_only_token(home, loom):
    outcome = loom("--home", home, "token", "create", "--user", "smoke", "--role", "operator", "--quiet")
    assert outcome.code == 0
    assert re.fullmatch(r"loom_[A-Za-z0-9_-]{43}\n", outcome.out)
    assert outcome.err == ""


def test_only_hash_is_stored(home, loom, admin_token):
    with sqlite3.connect(home / "data" / "loom.db") as connection:
        stored = connection.execute("SELECT token_hash, role FROM api_tokens").fetchall()
        dump = "\n".join(connection.iterdump())
    assert stored == [(hashlib.sha256(admin_token.encode()).hexdigest(), "admin")]
    assert admin_token not in dump


def test_default_ttl_from_config(home, loom):
    outcome = loom("--home", home, "token", "create", "--user", "p", "--role", "player")
    assert outcome.code == 0
    assert "It expires at" in outcome.out
    assert "This is the only time the token is shown; store it now." in outcome.err
    with sqlite3.connect(home / "data" / "loom.db") as connection:
        created, expires = connection.execute("SELECT created_at, expires_at FROM api_tokens").fetchone()
    assert expires > created


def test_ttl_zero_never_expires(home, loom):
    loom("--home", home, "token", "create", "--user", "p", "--role", "player", "--ttl", "0", "-q")
    with sqlite3.connect(home / "data" / "loom.db") as connection:
        assert connection.execute("SELECT expires_at FROM api_tokens").fetchone() == (None,)


def test_unknown_role(home, loom):
    outcome = loom("--home", home, "token", "create", "--user", "p", "--role", "root")
    assert outcome.code == 1
    assert outcome.err.splitlines() == ["Error: Unknown role root.", "Fix: use one of the roles: player, operator, admin."]


def test_role_above_user_role(home, loom):
    loom("--home", home, "token", "create", "--user", "p", "--role", "player", "-q")
    outcome = loom("--home", home, "token", "create", "--user", "p", "--role", "admin", "-q")
    assert outcome.code == 1
    assert outcome.err.splitlines()[0] == "Error: The user p has the role player, so it cannot get a token with the role admin."
