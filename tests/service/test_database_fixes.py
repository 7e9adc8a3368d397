"""A PostgreSQL server that cannot be reached is named with host, port and cause, never the password."""

from __future__ import annotations

import socket

import psycopg
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from loom_runtime.api.app import create_app
from loom_runtime.config import load_settings
from loom_runtime.storage.connection_errors import describe_connection_failure

PASSWORD = "s3cret-pw"
SETTING = "storage.url in the config (or LOOM_STORAGE_URL)"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_refused_names_host_port(home, loom, monkeypatch):
    port = _closed_port()
    monkeypatch.setenv("LOOM_STORAGE_URL", f"postgresql://loom:{PASSWORD}@127.0.0.1:{port}/loom")
    outcome = loom("--home", home, "token", "list")
    assert outcome.code == 1
    assert outcome.err.splitlines() == [
        f"Error: Cannot connect to the PostgreSQL server at 127.0.0.1:{port}: connection refused.",
        f"Fix: start PostgreSQL on 127.0.0.1:{port}, or correct the host and port of {SETTING}.",
    ]
    assert PASSWORD not in outcome.out + outcome.err


def test_refused_in_check(home, loom, monkeypatch):
    port = _closed_port()
    monkeypatch.setenv("LOOM_STORAGE_URL", f"postgresql://loom:{PASSWORD}@127.0.0.1:{port}/loom")
    outcome = loom("--home", home, "check", "--compatibility")
    assert (f"FAILED  database: Cannot connect to the PostgreSQL server at 127.0.0.1:{port}: connection refused. "
            f"Fix: start PostgreSQL on 127.0.0.1:{port}, or correct the host and port of {SETTING}.") in outcome.out.splitlines()


def test_refused_on_ready(home, monkeypatch):
    port = _closed_port()
    monkeypatch.setenv("LOOM_STORAGE_URL", f"postgresql://loom:{PASSWORD}@127.0.0.1:{port}/loom")
    with TestClient(create_app(load_settings(home)), raise_server_exceptions=False) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["reason"] == (
        f"Cannot connect to the PostgreSQL server at 127.0.0.1:{port}: connection refused. "
        f"Fix: start PostgreSQL on 127.0.0.1:{port}, or correct the host and port of {SETTING}.")


def test_timeout_cause():
    driver = psycopg.OperationalError("connection timeout expired")
    failure = describe_connection_failure(sa.exc.OperationalError("connect", {}, driver),
                                          f"postgresql+psycopg://loom:{PASSWORD}@db.internal:6432/loom")
    assert failure.message == "Cannot connect to the PostgreSQL server at db.internal:6432: the connection timed out."
    assert failure.fix == (f"check that db.internal:6432 is reachable from this machine (server running, firewall open), "
                           f"or correct {SETTING}.")


def test_unknown_cause_hides_password():
    driver = psycopg.OperationalError(f"odd failure for password {PASSWORD}\nsecond line")
    failure = describe_connection_failure(sa.exc.OperationalError("connect", {}, driver),
                                          f"postgresql://loom:{PASSWORD}@127.0.0.1/loom")
    assert failure.message == "Cannot connect to the PostgreSQL server at 127.0.0.1:5432: odd failure for password ***."


@pytest.mark.postgres
def test_authentication_failed(home, loom, monkeypatch, postgres_url):
    url = make_url(postgres_url).set(username="nobody_here", password=PASSWORD)
    monkeypatch.setenv("LOOM_STORAGE_URL", url.render_as_string(hide_password=False))
    outcome = loom("--home", home, "token", "list")
    assert outcome.code == 1
    assert outcome.err.splitlines() == [
        f"Error: Cannot connect to the PostgreSQL server at {url.host}:{url.port}: "
        "authentication failed for the user nobody_here.",
        f"Fix: correct the user name and password in {SETTING}, or allow this user in the server's pg_hba.conf.",
    ]
    assert PASSWORD not in outcome.err


@pytest.mark.postgres
def test_missing_database(home, loom, monkeypatch, postgres_url):
    url = make_url(postgres_url).set(database="no_such_db")
    monkeypatch.setenv("LOOM_STORAGE_URL", url.render_as_string(hide_password=False))
    outcome = loom("--home", home, "token", "list")
    assert outcome.err.splitlines()[0] == (
        f"Error: Cannot connect to the PostgreSQL server at {url.host}:{url.port}: the database no_such_db does not exist.")
