"""The config schemas: one per format, each telling its own release's config apart."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from loom_runtime.config.formats import format_releases, releases, schema_for
from loom_runtime.config.template import default_config_text
from loom_runtime.config.validate import matching_formats
from ruamel.yaml import YAML

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "config"

CONFIG_0_1 = {
    "server": {"host": "127.0.0.1", "port": 8000},
    "llm": {"provider": "offline", "model": "loom-offline-1"},
    "storage": {"path": "data/loom.db"},
    "canon": {"default": "canon/default.md"},
    "logging": {"level": "INFO"},
}


def config_of(release: str) -> dict:
    """Return a config of ``release``'s format, built the way the catalog's edges build it."""
    config = copy.deepcopy(CONFIG_0_1)
    if release == "0.1.0":
        return config
    config["llm_providers"] = {"default": "offline", "offline": {"model": "loom-offline-1", "temperature": 0.7}}
    del config["llm"]
    if release == "0.2.0":
        return config
    config["engine"] = {"max_turns": 500, "seed_sessions": True}
    if release == "0.9.0":
        return config
    config["server"]["request_timeout"] = 30
    if release == "0.9.2":
        return config
    config["interpreter"] = dict(config.pop("engine"), mode="advanced")
    config.update(consistency={"level": "medium"}, memory={"storage_type": "sqlite", "max_facts_per_turn": 8},
                  intervention={"handling_mode": "adaptive"}, monitoring={"enabled": True, "metrics_port": 8001})
    if release == "0.10.0":
        return config
    config["storage"] = {"url": "sqlite:///data/loom.db"}
    del config["memory"]["storage_type"]
    config.update(auth={"token_ttl": 86400}, plugins={"directory": "plugins", "api_version": 1})
    if release == "1.0.0":
        return config
    config["memory"]["retrieval_limit"] = 8
    return config


def test_schema_files_cover_catalog():
    named = {info.config_schema for info in releases()}
    present = {f"config/{path.name}" for path in SCHEMA_DIR.glob("*.json")}
    assert named == present


@pytest.mark.parametrize("release", format_releases())
def test_schema_is_valid_2020_12(release):
    schema = json.loads((SCHEMA_DIR / f"{release}.json").read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("release", format_releases())
def test_each_format_matches_only_itself(release):
    assert matching_formats(config_of(release)) == [release]


@pytest.mark.parametrize("release", ["1.0.0", "1.1.0"])
def test_init_template_matches_its_format(release):
    document = YAML(typ="safe").load(default_config_text(release))
    assert document == config_of(release)


def test_openai_provider_fields_validated():
    config = config_of("1.1.0")
    config["llm_providers"]["openai"] = {"model": "gpt", "temperature": 0.2, "base_url": "ftp://x", "timeout": 0}
    errors = sorted(Draft202012Validator(schema_for("1.1.0")).iter_errors(config), key=lambda e: list(e.path))
    assert [list(error.path) for error in errors] == [
        ["llm_providers", "openai", "base_url"], ["llm_providers", "openai", "timeout"]]


def test_default_provider_needs_its_section():
    config = config_of("1.1.0")
    config["llm_providers"]["default"] = "openai"
    assert not Draft202012Validator(schema_for("1.1.0")).is_valid(config)
