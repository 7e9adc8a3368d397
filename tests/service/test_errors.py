"""User-caused errors end in one message, a non-zero exit and no traceback (CLI), or a JSON error (API)."""

from __future__ import annotations

import io
import socket
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from loom_runtime.api.app import create_app
from loom_runtime.config import load_settings

MANIFEST = "api_version: 1\nname: broken\nversion: 0.1.0\nentry_point: nosuch_module.plugin:Plugin\ncapabilities: [session.start]\n"


def broken_plugin(home: Path) -> Path:
    """Add a plugin whose entry point module does not exist; return its manifest."""
    manifest = home / "plugins" / "broken" / "loom-plugin.yaml"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(MANIFEST)
    return manifest


def closed_port() -> int:
    """Return a local port that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def use_openai(home: Path, base_url: str, api_key: str | None = "test-key") -> None:
    """Make the openai provider the home's default, without retries."""
    config = home / "config" / "default_config.yaml"
    text = config.read_text().replace("  default: offline\n", "  default: openai\n", 1)
    text = text.replace("llm_providers:\n", "llm_providers:\n  openai:\n    model: test-model\n    temperature: 0.5\n"
                        f"    base_url: {base_url}\n    max_retries: 0\n    timeout: 5\n", 1)
    config.write_text(text)
    if api_key is not None:
        with (home / ".env").open("a") as env:
            env.write(f"OPENAI_API_KEY={api_key}\n")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# the loom command


def test_run_test_broken_plugin_message(home, loom):
    manifest = broken_plugin(home)
    outcome = loom("--home", home, "run", "--canon", "canon/default.md", "--test")
    assert outcome.code == 1
    assert "Traceback" not in outcome.err
    assert outcome.err.startswith(f"Error: {manifest}: The entry point module 'nosuch_module.plugin' cannot be imported")
    assert "Fix: Put the module in the plugin's folder" in outcome.err


def test_run_interactive_broken_plugin_message(home, loom, monkeypatch):
    manifest = broken_plugin(home)
    monkeypatch.setattr(sys, "stdin", io.StringIO("look around\n"))
    outcome = loom("--home", home, "run", "--canon", "canon/default.md")
    assert outcome.code == 1
    assert outcome.err.startswith(f"Error: {manifest}: ")


def test_run_interactive_missing_api_key(home, loom, monkeypatch):
    use_openai(home, f"http://127.0.0.1:{closed_port()}", api_key=None)
    monkeypatch.setattr(sys, "stdin", io.StringIO("look around\n"))
    outcome = loom("--home", home, "run", "--canon", "canon/default.md")
    assert outcome.code == 1
    assert outcome.err.splitlines()[0] == (
        "Error: The environment variable OPENAI_API_KEY that should hold the OpenAI API key is not set. "
        "Set it in the home's .env file, or change llm_providers.openai.api_key_env.")


def test_run_interactive_provider_down_keeps_session(home, loom, monkeypatch):
    use_openai(home, f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setattr(sys, "stdin", io.StringIO("look around\nquit\n"))
    outcome = loom("--home", home, "run", "--canon", "canon/default.md")
    assert outcome.code == 0, outcome.err
    assert "failed after 1 attempts: connection failed (ConnectError)" in outcome.out
    assert "Session " in outcome.out.splitlines()[-1]


def test_serve_address_in_use(home, loom):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        outcome = loom("--home", home, "serve", "--host", "127.0.0.1", "--port", port)
    assert outcome.code == 1
    assert outcome.err.splitlines()[0] == f"Error: The service cannot listen on 127.0.0.1:{port}: Address already in use."


def test_import_invalid_json_in_chinese(home, loom, tmp_path):
    export = tmp_path / "bad.json"
    export.write_text("{bad")
    outcome = loom("--home", home, "--lang", "zh", "import", "--file", export)
    assert outcome.code == 1
    assert "Traceback" not in outcome.err
    first, fix = outcome.err.splitlines()[:2]
    assert first.startswith(f"错误：导出文件 {export} 无法使用：文件不是有效的 JSON，或已被截断（")
    assert fix == "解决方法：用 `loom export` 重新导出数据库，然后重试。"


def test_import_not_an_export_in_chinese(home, loom, tmp_path):
    export = tmp_path / "other.json"
    export.write_text('{"format": "other", "format_version": 1, "tables": [], "row_counts": {}}')
    outcome = loom("--home", home, "--lang", "zh", "import", "--file", export)
    assert outcome.code == 1
    assert outcome.err.splitlines()[0] == (
        f"错误：导出文件 {export} 无法使用：这不是 LOOM 导出文件（format 为 'other'，应为 'loom-export'）。")
    assert outcome.err.splitlines()[1] == "解决方法：请传入由 `loom export` 或 loom-upgrade 写出的文件。"


def test_import_into_used_database_in_chinese(home, loom, tmp_path, admin_token):
    export = tmp_path / "full.json"
    assert loom("--home", home, "export", "--output", export).code == 0
    outcome = loom("--home", home, "--lang", "zh", "import", "--file", export)
    assert outcome.code == 1
    assert outcome.err.splitlines()[0].startswith(f"错误：导出文件 {export} 无法使用：目标数据库的 ")
    assert outcome.err.splitlines()[0].endswith("中已有数据行，而导入只能载入空数据库。")


def test_import_invalid_json_in_english(home, loom, tmp_path):
    export = tmp_path / "bad.json"
    export.write_text("{bad")
    outcome = loom("--home", home, "import", "--file", export)
    first, fix = outcome.err.splitlines()
    assert first.startswith(f"Error: The export file {export} is not usable: the file is not valid JSON or is truncated (")
    assert fix == "Fix: Export the database again with `loom export` and retry."


# the HTTP API


def client_for(home: Path) -> TestClient:
    return TestClient(create_app(load_settings(home, environ={})), raise_server_exceptions=False)


def test_ready_503_broken_plugin(home):
    manifest = broken_plugin(home)
    with client_for(home) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["ready"] is False
    assert response.json()["reason"].startswith(f"{manifest}: The entry point module 'nosuch_module.plugin' cannot be imported")


def test_session_503_broken_plugin(home, admin_token):
    manifest = broken_plugin(home)
    with client_for(home) as client:
        response = client.post("/api/v1/sessions", json={"canon": "canon/default.md"}, headers=bearer(admin_token))
    assert response.status_code == 503
    assert response.json()["detail"].startswith(f"{manifest}: ")


def test_session_503_missing_api_key(home, admin_token):
    use_openai(home, f"http://127.0.0.1:{closed_port()}", api_key=None)
    with client_for(home) as client:
        ready = client.get("/ready")
        response = client.post("/api/v1/sessions", json={"canon": "canon/default.md"}, headers=bearer(admin_token))
    assert ready.status_code == 503
    assert "OPENAI_API_KEY" in ready.json()["reason"]
    assert response.status_code == 503
    assert response.json()["detail"].startswith("The environment variable OPENAI_API_KEY")


def test_turn_502_provider_unreachable(home, admin_token):
    use_openai(home, f"http://127.0.0.1:{closed_port()}")
    with client_for(home) as client:
        assert client.get("/ready").status_code == 200
        created = client.post("/api/v1/sessions", json={"canon": "canon/default.md"}, headers=bearer(admin_token))
        session_id = created.json()["id"]
        response = client.post(f"/api/v1/sessions/{session_id}/turns", json={"input": "I look around."}, headers=bearer(admin_token))
        turns = client.get(f"/api/v1/sessions/{session_id}/turns", headers=bearer(admin_token))
    assert response.status_code == 502
    assert "failed after 1 attempts" in response.json()["detail"]
    assert [turn["turn_index"] for turn in turns.json()["turns"]] == [0]


def test_unexpected_error_is_json_500(home, admin_token, monkeypatch):
    with client_for(home) as client:
        def broken(*_args):
            raise RuntimeError("simulated engine failure")

        monkeypatch.setattr(client.app.state.sessions, "get_session", broken)
        response = client.get("/api/v1/sessions/x", headers=bearer(admin_token))
    assert response.status_code == 500
    assert response.json() == {"detail": "The service failed on an unexpected error; the service log has the details."}


def test_unknown_language_rejected(loom):
    outcome = loom("--lang", "xx", "stats")
    assert outcome.code == 2
    assert outcome.err.splitlines()[-1] == "Error: Invalid value for --lang: 'xx' is not a supported language; use en or zh."


def test_ready_logs_problem_once(home, caplog):
    manifest = broken_plugin(home)
    with client_for(home) as client:
        statuses = [client.get("/ready").status_code for _ in range(3)]
    logged = [record.getMessage() for record in caplog.records if record.getMessage().startswith("the engine cannot serve sessions")]
    assert statuses == [503, 503, 503]
    assert len(logged) == 1
    assert str(manifest) in logged[0]
