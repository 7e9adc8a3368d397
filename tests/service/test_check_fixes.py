"""``loom check --compatibility`` and ``loom config validate`` report what the service rejects."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from loom_runtime.api.app import create_app
from loom_runtime.config import load_settings

OPENAI = """llm_providers:
  default: openai
  openai:
    model: gpt-test
    temperature: 0.7
    api_key_env: LOOM_TEST_MISSING_KEY
"""
MISSING_KEY = ("The environment variable LOOM_TEST_MISSING_KEY that should hold the OpenAI API key is not set. "
               "Set it in the home's .env file, or change llm_providers.openai.api_key_env.")


def _broken_plugin(home):
    folder = home / "plugins" / "broken"
    folder.mkdir()
    (folder / "loom-plugin.yaml").write_text(
        "api_version: 1\nname: my plugin\nversion: 0.1.0\nentry_point: nope\ncapabilities: [turn.post_process]\ncolour: red\n")
    return folder / "loom-plugin.yaml"


def _use_openai(home, monkeypatch):
    monkeypatch.delenv("LOOM_TEST_MISSING_KEY", raising=False)
    config = home / "config" / "default_config.yaml"
    text = config.read_text()
    start = text.index("llm_providers:")
    end = text.index("storage:")
    config.write_text(text[:start] + OPENAI + text[end:])


def _ready_reason(home) -> str:
    with TestClient(create_app(load_settings(home)), raise_server_exceptions=False) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    return response.json()["reason"]


def _result_lines(out: str, name: str) -> list[str]:
    """Return the lines of one check: its first line and the indented ones after it."""
    lines = out.splitlines()
    start = next(index for index, line in enumerate(lines) if re.match(rf"(ok|FAILED) +{name}:", line))
    block = [lines[start]]
    for line in lines[start + 1:]:
        if not line.startswith(" " * 8):
            break
        block.append(line.strip())
    return block


def test_check_lists_every_plugin_error(home, loom):
    manifest = _broken_plugin(home)
    outcome = loom("--home", home, "check", "--compatibility")
    assert outcome.code == 1
    assert _result_lines(outcome.out, "plugins") == [
        f"FAILED  plugins: {manifest}:2: The value 'my plugin' of 'name' is invalid. "
        "Fix: Use lower-case letters, digits, '-' and '_', at most 64 characters.",
        f"{manifest}:4: The value 'nope' of 'entry_point' is invalid. Fix: Write it as 'package.module:ClassName'.",
        f"{manifest}:6: The key 'colour' is unknown. "
        "Fix: Allowed keys: api_version, name, version, entry_point, capabilities, settings.",
    ]


def test_check_plugin_matches_ready(home, loom):
    manifest = _broken_plugin(home)
    outcome = loom("--home", home, "check", "--compatibility")
    reason = _ready_reason(home)
    assert reason.startswith(f"{manifest}:")
    assert reason in [line.removeprefix("FAILED  plugins: ") for line in _result_lines(outcome.out, "plugins")]


def test_check_plugin_yaml_error_has_line(home, loom):
    folder = home / "plugins" / "dice"
    folder.mkdir()
    (folder / "loom-plugin.yaml").write_text("api_version: 1\nname: [dice\n")
    outcome = loom("--home", home, "check", "--compatibility")
    assert outcome.code == 1
    assert _result_lines(outcome.out, "plugins") == [
        f"FAILED  plugins: {folder}/loom-plugin.yaml:3: The manifest is not valid YAML: "
        "expected ',' or ']', but got '<stream end>' Fix: Fix the YAML syntax on that line."]
    assert "<unicode string>" not in outcome.out


def test_check_continues_after_config_fails(home, loom):
    config = home / "config" / "default_config.yaml"
    config.write_text(config.read_text().replace("  port: 8000", "  port: 8000\n  colour: red\n  workers: 2"))
    manifest = _broken_plugin(home)
    (home / "canon" / "default.md").write_text("---\ntitle: [unclosed\n---\n# x\n")
    outcome = loom("--home", home, "check", "--compatibility")
    assert outcome.code == 1
    lines = outcome.out.splitlines()
    assert lines[0] == (f"FAILED  config: {config}:5: server.colour: unknown key colour. Fix: remove it or correct its "
                        "spelling; known keys here: host, port, request_timeout.")
    assert lines[1] == (f"        {config}:6: server.workers: unknown key workers. Fix: remove it or correct its "
                        "spelling; known keys here: host, port, request_timeout.")
    assert lines[2] == "ok      database: revision 1100"
    assert lines[3].startswith(f"FAILED  canon: {home.resolve()}/canon/default.md, line 2: The front matter is not valid YAML")
    assert lines[4].startswith(f"FAILED  plugins: {manifest.resolve()}:2: ")
    assert outcome.err.splitlines()[0] == "Error: The home is not compatible with LOOM 1.1.0: config, canon, plugins failed."


def test_check_config_yaml_error_keeps_checking(home, loom):
    config = home / "config" / "default_config.yaml"
    config.write_text(config.read_text() + "server: [\n")
    outcome = loom("--home", home, "check", "--compatibility")
    lines = outcome.out.splitlines()
    assert re.fullmatch(rf"FAILED  config: {re.escape(str(config))}:\d+: Invalid YAML: .*\. "
                        r"Fix: correct the YAML syntax on that line\.", lines[0])
    assert "<unicode string>" not in outcome.out
    assert lines[1:] == ["ok      database: revision 1100", "ok      canon: 1 files parse", "ok      plugins: 0 plugins load"]


def test_check_missing_api_key(home, loom, monkeypatch):
    _use_openai(home, monkeypatch)
    outcome = loom("--home", home, "check", "--compatibility")
    assert outcome.code == 1
    assert f"FAILED  provider: {MISSING_KEY}" in outcome.out.splitlines()
    assert _ready_reason(home) == MISSING_KEY


def test_config_validate_missing_api_key(home, loom, monkeypatch):
    _use_openai(home, monkeypatch)
    outcome = loom("--home", home, "config", "validate")
    assert outcome.code == 1
    assert outcome.err.splitlines() == [f"Error: {MISSING_KEY}"]


def test_config_validate_with_api_key(home, loom, monkeypatch):
    _use_openai(home, monkeypatch)
    (home / ".env").write_text((home / ".env").read_text() + "LOOM_TEST_MISSING_KEY=sk-test\n")
    outcome = loom("--home", home, "config", "validate")
    assert outcome.code == 0, outcome.err
    assert "sk-test" not in outcome.out + outcome.err
