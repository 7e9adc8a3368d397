"""The home's config and .env reach the engine's settings."""

from __future__ import annotations

from loom_runtime.config import load_settings


def test_interpreter_mode_default_advanced(home):
    assert load_settings(home, environ={}).engine_settings().interpreter_mode == "advanced"


def test_interpreter_mode_from_env(home):
    settings = load_settings(home, environ={"NARRATIVE_INTERPRETER_MODE": "basic"})
    assert settings.engine_settings().interpreter_mode == "basic"


def test_interpreter_mode_from_config(home):
    config = home / "config" / "default_config.yaml"
    config.write_text(config.read_text().replace("mode: advanced", "mode: basic", 1))
    # A fresh home's .env sets the mode too, and .env overrides the config.
    env = home / ".env"
    env.write_text(env.read_text().replace("NARRATIVE_INTERPRETER_MODE=advanced\n", ""))
    assert load_settings(home, environ={}).engine_settings().interpreter_mode == "basic"
