"""``loom export`` -> ``loom init --force`` -> ``loom import`` keeps every row."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from loom_runtime.api.app import create_app
from loom_runtime.config import load_settings


def test_round_trip_through_cli(home, loom, admin_token, tmp_path):
    with TestClient(create_app(load_settings(home, environ={}))) as client:
        headers = {"Authorization": f"Bearer {admin_token}"}
        session_id = client.post("/api/v1/sessions", json={"seed": 3}, headers=headers).json()["id"]
        client.post(f"/api/v1/sessions/{session_id}/turns", json={"input": "I open the ledger."}, headers=headers)
    before = loom("--home", home, "stats").out.splitlines()
    export = tmp_path / "export.json"

    outcome = loom("--home", home, "export", "--format", "json", "--output", export)
    assert outcome.code == 0, outcome.err
    assert json.loads(export.read_text())  # a complete JSON document
    assert loom("--home", home, "init", "--force", "--yes").code == 0
    assert "narrative_turns: 0 rows" in loom("--home", home, "stats").out.splitlines()
    outcome = loom("--home", home, "import", "--file", export)
    assert outcome.code == 0, outcome.err

    after = loom("--home", home, "stats").out.splitlines()
    assert after == before
    assert "narrative_turns: 2 rows" in after


def test_import_missing_file(home, loom, tmp_path):
    outcome = loom("--home", home, "import", "--file", tmp_path / "none.json")
    assert outcome.code == 1
    assert outcome.err.splitlines()[0] == f"Error: The export file {tmp_path}/none.json does not exist."


def test_import_malformed_file(home, loom, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": ')
    before = (home / "data" / "loom.db").read_bytes()
    outcome = loom("--home", home, "import", "--file", broken)
    assert outcome.code == 1
    assert "Traceback" not in outcome.err
    assert outcome.err.startswith("Error: ")
    assert (home / "data" / "loom.db").read_bytes() == before
