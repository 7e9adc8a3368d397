"""``loom token list`` and ``revoke``, and the checks of ``--ttl``."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from loom_runtime.api.app import create_app
from loom_runtime.config import load_settings

TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"


def _create(loom, home, user: str, role: str, *extra: str) -> str:
    outcome = loom("--home", home, "token", "create", "--user", user, "--role", role, "-q", *extra)
    assert outcome.code == 0, outcome.err
    return outcome.out.strip()


def test_list_shows_metadata_not_tokens(home, loom):
    first = _create(loom, home, "ada", "admin")
    second = _create(loom, home, "ben", "player", "--ttl", "0")
    outcome = loom("--home", home, "token", "list")
    assert outcome.code == 0, outcome.err
    lines = outcome.out.splitlines()
    assert lines[0].split() == ["id", "user", "role", "name", "created", "expires", "revoked"]
    assert re.fullmatch(rf"1 +ada +admin +cli +{TIME} +{TIME} +-", lines[1])
    assert re.fullmatch(rf"2 +ben +player +cli +{TIME} +never +-", lines[2])
    assert len(lines) == 3
    assert first not in outcome.out
    assert second not in outcome.out


def test_list_filters_by_user(home, loom):
    _create(loom, home, "ada", "admin")
    _create(loom, home, "ben", "player")
    outcome = loom("--home", home, "token", "list", "--user", "ben")
    assert [line.split()[1] for line in outcome.out.splitlines()[1:]] == ["ben"]
    assert loom("--home", home, "token", "list", "--user", "zoe").out == "The user zoe has no tokens.\n"


def test_list_empty(home, loom):
    assert loom("--home", home, "token", "list").out == "No tokens.\n"


def test_revoked_token_gets_401(home, loom):
    admin = _create(loom, home, "ada", "admin")
    player = _create(loom, home, "ben", "player")
    with TestClient(create_app(load_settings(home, environ={})), raise_server_exceptions=False) as client:
        created = client.post("/api/v1/sessions", json={}, headers={"Authorization": f"Bearer {player}"})
        assert created.status_code == 201, created.text

        outcome = loom("--home", home, "token", "revoke", "2")
        assert outcome.code == 0, outcome.err
        assert re.fullmatch(rf"The token 2 of ben \(role player\) is revoked since {TIME} UTC\.\n", outcome.out)

        rejected = client.post("/api/v1/sessions", json={}, headers={"Authorization": f"Bearer {player}"})
        assert rejected.status_code == 401
        assert rejected.json()["detail"] == "The token is unknown, expired or revoked."
        still = client.post("/api/v1/sessions", json={}, headers={"Authorization": f"Bearer {admin}"})
        assert still.status_code == 201
    listed = loom("--home", home, "token", "list", "--user", "ben").out.splitlines()[1]
    assert re.fullmatch(rf"2 +ben +player +cli +{TIME} +{TIME} +{TIME}", listed)


def test_revoke_twice_keeps_first_time(home, loom):
    _create(loom, home, "ada", "admin")
    first = loom("--home", home, "token", "revoke", "1").out
    assert loom("--home", home, "token", "revoke", "1").out == first


def test_revoke_unknown_id(home, loom):
    outcome = loom("--home", home, "token", "revoke", "42")
    assert outcome.code == 1
    assert outcome.err.splitlines() == ["Error: No token has the id 42.", "Fix: run `loom token list` to see the ids."]


@pytest.mark.parametrize("value", ["-5", "abc", "1.5"])
def test_ttl_invalid_is_usage_error(home, loom, value):
    outcome = loom("--home", home, "token", "create", "--user", "p", "--role", "player", "--ttl", value)
    assert outcome.code == 2
    assert outcome.err.splitlines()[-1] == (
        f"Error: Invalid value for '--ttl': '{value}' is not a lifetime; "
        "give whole seconds, or 0 for a token that never expires.")


def test_ttl_help_documents_zero(loom):
    text = " ".join(loom("token", "create", "--help").out.split())
    assert "0 means the token never expires." in text
