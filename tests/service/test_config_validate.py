"""``loom config validate`` and the loader: file, line and fix for every problem."""

from __future__ import annotations

import pytest

from loom_runtime.config import ConfigError, load_settings


def write_config(home, old: str, new: str) -> str:
    path = home / "config" / "default_config.yaml"
    text = path.read_text().replace(old, new)
    assert text != path.read_text(), f"{old!r} not found in the config"
    path.write_text(text)
    return str(path)


def test_validate_fresh_home(home, loom):
    outcome = loom("--home", home, "config", "validate")
    assert outcome.code == 0
    assert outcome.out.strip() == f"{home}/config/default_config.yaml is valid for LOOM 1.1.0."


def test_unknown_provider_names_line(home, loom):
    path = write_config(home, "default: offline", "default: gemini")
    before = (home / "config" / "default_config.yaml").read_bytes()
    outcome = loom("--home", home, "config", "validate")
    assert outcome.code == 1
    assert outcome.err.strip() == (
        f'{path}:7: llm_providers.default: unknown provider "gemini". '
        "Fix: use one of the providers: offline, openai.")
    assert (home / "config" / "default_config.yaml").read_bytes() == before


def test_unknown_key_and_range(home, loom):
    path = write_config(home, "  max_turns: 500", "  max_turns: 0\n  colour: red")
    outcome = loom("--home", home, "config", "validate")
    assert outcome.code == 1
    lines = outcome.err.strip().splitlines()
    assert lines[0] == f"{path}:18: interpreter.max_turns: the value 0 is out of range. Fix: use a value >= 1."
    assert lines[1] == (f"{path}:19: interpreter.colour: unknown key colour. "
                        "Fix: remove it or correct its spelling; known keys here: max_turns, mode, seed_sessions.")


def test_missing_key_points_at_section(home, loom):
    path = write_config(home, "  retrieval_limit: 8  # facts retrieved for each turn\n", "")
    outcome = loom("--home", home, "config", "validate")
    # A config without retrieval_limit is exactly the 1.0.0 format.
    assert outcome.err.strip() == (
        f"{path}: This config is from release 1.0.0; LOOM 1.1.0 reads the config format of release 1.1.0. "
        "Fix: run loom-upgrade to migrate the home to release 1.1.0.")


def test_missing_key_inside_section(home, loom):
    path = write_config(home, "  handling_mode: adaptive", "  other: 1")
    outcome = loom("--home", home, "config", "validate")
    lines = outcome.err.strip().splitlines()
    assert f"{path}:26: intervention: the key handling_mode is missing. Fix: add handling_mode under intervention." in lines


def test_yaml_syntax_error(home, loom):
    path = write_config(home, "  port: 8000", "  port: [8000")
    outcome = loom("--home", home, "config", "validate")
    assert outcome.code == 1
    assert outcome.err.startswith(f"{path}:")
    assert "Invalid YAML" in outcome.err
    assert "Traceback" not in outcome.err


def test_old_format_recognised(home, loom):
    path = home / "config" / "default_config.yaml"
    path.write_text("server: {host: 127.0.0.1, port: 8000}\nllm: {provider: offline, model: m}\n"
                    "storage: {path: data/loom.db}\ncanon: {default: canon/default.md}\nlogging: {level: INFO}\n")
    outcome = loom("--home", home, "config", "validate")
    assert outcome.code == 1
    assert outcome.err.strip() == (
        f"{path}: This config is from release 0.1.0; LOOM 1.1.0 reads the config format of release 1.1.0. "
        "Fix: run loom-upgrade to migrate the home to release 1.1.0.")


def test_env_bad_line_and_value(home, loom):
    env = home / ".env"
    env.write_text(env.read_text() + "this is not an assignment\nCONSISTENCY_CHECK_LEVEL=extreme\n")
    outcome = loom("--home", home, "config", "validate")
    assert outcome.code == 1
    assert outcome.err.strip() == (
        f"{env}:17: This line is not a NAME=value assignment. Fix: write it as NAME=value, quote values "
        "that contain spaces or #, or start the line with # to comment it out.")
    env.write_text(env.read_text().replace("this is not an assignment\n", ""))
    outcome = loom("--home", home, "config", "validate")
    assert outcome.err.strip() == (
        f"{env}:17: CONSISTENCY_CHECK_LEVEL has the invalid value 'extreme'. "
        "Fix: set CONSISTENCY_CHECK_LEVEL to low, medium or high.")


def test_process_environment_wins(home):
    settings = load_settings(home, environ={"CONSISTENCY_CHECK_LEVEL": "high", "LOOM_LOG_LEVEL": "debug"})
    assert settings.consistency_level == "high"
    assert settings.log_level == "DEBUG"
    assert settings.consistency_level != load_settings(home, environ={}).consistency_level


def test_storage_url_override_masks_password(home):
    with pytest.raises(ConfigError) as caught:
        load_settings(home, environ={"LOOM_STORAGE_URL": "mysql://loom:s3cret@db/loom"})
    assert "s3cret" not in str(caught.value)
    assert "LOOM_STORAGE_URL has the invalid value mysql://loom:***@db/loom." in str(caught.value)


def test_relative_sqlite_url_resolved(home):
    settings = load_settings(home, environ={})
    assert settings.storage_url == f"sqlite:///{home.resolve()}/data/loom.db"


def test_chinese_messages(home, loom):
    write_config(home, "default: offline", "default: gemini")
    outcome = loom("--lang", "zh", "--home", home, "config", "validate")
    assert "未知的提供方" in outcome.err
    assert "解决方法" in outcome.err


def test_older_code_reads_additive_newer_config(home):
    # 1.0.1 code next to a 1.1.0 config: the only change is the added memory.retrieval_limit.
    settings = load_settings(home, release="1.0.1", environ={})
    assert settings.config_format == "1.0.0"
    assert settings.retrieval_limit == 8


def test_older_code_rejects_renamed_config(make_home):
    home = make_home("0.10.0", turns=5)
    with pytest.raises(ConfigError) as caught:
        load_settings(home, release="0.9.3", environ={})
    assert str(caught.value) == (
        f"{home}/config/default_config.yaml: This config is from the newer release 0.10.0; LOOM 0.9.3 reads "
        "the config format of release 0.9.2. Fix: install LOOM 0.10.0, or restore the config of release 0.9.3 "
        "from a backup.")
