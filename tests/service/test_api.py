"""The HTTP service in-process: session flow with tokens, legacy paths, readiness, metrics."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from loom_runtime.api.app import create_app
from loom_runtime.config import load_settings

OLDER_RELEASES = ["0.1.0", "0.2.0", "0.9.0", "0.9.1", "0.9.2", "0.9.3", "0.10.0", "1.0.0", "1.0.1"]


@pytest.fixture
def client(home):
    with TestClient(create_app(load_settings(home, environ={})), raise_server_exceptions=False) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def play_session(client, token: str) -> str:
    """Create a session, play two turns and inject a fact; return the session id."""
    created = client.post("/api/v1/sessions", json={"canon": "canon/default.md", "title": "t", "seed": 7}, headers=bearer(token))
    assert created.status_code == 201, created.text
    session_id = created.json()["id"]
    assert created.json()["seed"] == 7
    for index, text in enumerate(["I walk to the pier.", "I ask Ada Finch about the ship."], start=1):
        turn = client.post(f"/api/v1/sessions/{session_id}/turns", json={"input": text}, headers=bearer(token))
        assert turn.status_code == 200, turn.text
        assert turn.json()["turn_index"] == index
        assert turn.json()["narration"]
    intervention = client.post(f"/api/v1/sessions/{session_id}/interventions",
                               json={"kind": "inject_fact", "content": "Ada keeps a spare key."}, headers=bearer(token))
    assert intervention.status_code == 200, intervention.text
    assert intervention.json()["status"] == "applied"
    turns = client.get(f"/api/v1/sessions/{session_id}/turns", headers=bearer(token))
    assert [turn["turn_index"] for turn in turns.json()["turns"]] == [0, 1, 2]
    return session_id


def test_health(client):
    assert client.get("/health").json() == {"status": "ok", "version": "1.1.0", "schema_revision": "1100"}


def test_ready_on_fresh_home(client):
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json()["ready"] is True


def test_session_flow_sqlite(client, admin_token):
    session_id = play_session(client, admin_token)
    session = client.get(f"/api/v1/sessions/{session_id}", headers=bearer(admin_token)).json()
    assert session["turn_count"] == 3


@pytest.mark.postgres
def test_session_flow_postgres(tmp_path, loom, monkeypatch, postgres_url):
    monkeypatch.setenv("LOOM_STORAGE_URL", postgres_url)
    folder = tmp_path / "pg-home"
    assert loom("--home", folder, "init").code == 0
    outcome = loom("--home", folder, "token", "create", "--user", "admin", "--role", "admin", "-q")
    assert outcome.code == 0, outcome.err
    settings = load_settings(folder)
    assert settings.storage_url == postgres_url
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").json()["schema_revision"] == "1100"
        play_session(client, outcome.out.strip())
    # init --force on PostgreSQL empties the database and builds the schema again.
    assert loom("--home", folder, "init", "--force", "--yes").code == 0
    assert "api_tokens: 0 rows" in loom("--home", folder, "stats").out.splitlines()


def test_missing_token_is_401(client):
    response = client.post("/api/v1/sessions", json={})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"] == "A bearer token is required: send Authorization: Bearer <token>."


def test_unknown_token_is_401(client):
    response = client.get("/api/v1/sessions/x", headers=bearer("loom_" + "a" * 43))
    assert response.status_code == 401
    assert response.json()["detail"] == "The token is unknown, expired or revoked."


def test_expired_token_is_401(home, loom, client):
    import sqlite3

    token = loom("--home", home, "token", "create", "--user", "p", "--role", "player", "-q").out.strip()
    with sqlite3.connect(home / "data" / "loom.db") as connection:
        connection.execute("UPDATE api_tokens SET expires_at = '2000-01-01 00:00:00'")
    assert client.post("/api/v1/sessions", json={}, headers=bearer(token)).status_code == 401


def test_player_cannot_intervene(home, loom, client):
    token = loom("--home", home, "token", "create", "--user", "p", "--role", "player", "-q").out.strip()
    session_id = client.post("/api/v1/sessions", json={}, headers=bearer(token)).json()["id"]
    response = client.post(f"/api/v1/sessions/{session_id}/interventions", json={"kind": "retcon", "text": "x"},
                           headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["detail"] == "The role player may not do this; it needs the role operator."


def test_unknown_session_is_404(client, admin_token):
    response = client.get("/api/v1/sessions/nope", headers=bearer(admin_token))
    assert response.status_code == 404
    assert response.json()["detail"].startswith("No session has the id nope.")


def test_canon_outside_home_rejected(client, admin_token):
    response = client.post("/api/v1/sessions", json={"canon": "../../etc/passwd"}, headers=bearer(admin_token))
    assert response.status_code == 422
    assert response.json()["detail"] == "The canon path ../../etc/passwd is outside the LOOM home."


def test_empty_turn_input_rejected(client, admin_token):
    session_id = client.post("/api/v1/sessions", json={}, headers=bearer(admin_token)).json()["id"]
    response = client.post(f"/api/v1/sessions/{session_id}/turns", json={"input": ""}, headers=bearer(admin_token))
    assert response.status_code == 422


def test_legacy_paths_answer(client, admin_token):
    assert client.get("/status").json()["status"] == "ok"
    created = client.post("/sessions", json={}, headers=bearer(admin_token))
    assert created.status_code == 201
    session_id = created.json()["id"]
    turn = client.post(f"/sessions/{session_id}/turns", json={"input": "I wait."}, headers=bearer(admin_token))
    assert turn.json()["turn_index"] == 1
    assert len(client.get(f"/sessions/{session_id}/turns", headers=bearer(admin_token)).json()["turns"]) == 2


def metric(client, name: str, **labels: str) -> float:
    selector = ",".join(f'{key}="{value}"' for key, value in labels.items())
    match = re.search(rf"^{name}\{{{re.escape(selector)}\}} (\S+)$", client.get("/metrics").text, re.M)
    return float(match.group(1)) if match else 0.0


def test_request_counter_increases(client):
    before = metric(client, "loom_requests_total", method="GET", path="/health", status="200")
    client.get("/health")
    client.get("/health")
    assert metric(client, "loom_requests_total", method="GET", path="/health", status="200") == before + 2
    assert "loom_request_duration_seconds_bucket" in client.get("/metrics").text


def test_error_counter_counts_5xx(client, admin_token, monkeypatch):
    def broken(*_args):
        raise RuntimeError("simulated engine failure")

    monkeypatch.setattr(client.app.state.sessions, "play_turn", broken)
    before = metric(client, "loom_errors_total", method="POST", path="/api/v1/sessions/{session_id}/turns")
    response = client.post("/api/v1/sessions/x/turns", json={"input": "hi"}, headers=bearer(admin_token))
    assert response.status_code == 500
    assert metric(client, "loom_errors_total", method="POST", path="/api/v1/sessions/{session_id}/turns") == before + 1


@pytest.mark.parametrize("release", OLDER_RELEASES)
def test_ready_503_on_older_home(make_home, release):
    from loom_migrations.catalog_lookup import revision_for_release

    home = make_home(release, turns=20)
    settings = load_settings(home, release=release, environ={})
    with TestClient(create_app(settings)) as client:
        response = client.get("/ready")
        assert client.get("/health").status_code == 200
    revision = revision_for_release(release)
    assert response.status_code == 503
    assert response.json()["reason"] == (
        f"The database schema is at revision {revision}, older than revision 1100 that release 1.1.0 needs.")
