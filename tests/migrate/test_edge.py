"""apply_edge on the fixture homes of every past release, along the real catalog."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from loom_upgrade.catalog import IN_PLACE, load_catalog
from loom_upgrade.errors import MigrationError
from loom_upgrade.migrate import apply_edge

ROOT = Path(__file__).resolve().parents[2]
HOMES = ROOT / "fixtures" / "homes"
CATALOG = load_catalog()
IN_PLACE_EDGES = [edge for edge in CATALOG.edges if edge.path == IN_PLACE]


def copy_home(tmp_path: Path, release: str) -> Path:
    home = tmp_path / "home"
    shutil.copytree(HOMES / release, home)
    return home


def tree_digest(home: Path) -> dict[str, str]:
    return {str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(home.rglob("*")) if p.is_file()}


def config_schema(release: str) -> dict:
    entry = CATALOG.release(release)
    name = Path(entry.config_schema).name
    return json.loads((ROOT / "schemas" / "config" / name).read_text())


def edges_from(release: str):
    return [edge for edge in IN_PLACE_EDGES if edge.source >= CATALOG.release(release).version]


@pytest.mark.parametrize("release", sorted(p.name for p in HOMES.iterdir() if p.is_dir()))
def test_edges_reach_newest_config(tmp_path, release):
    home = copy_home(tmp_path, release)
    for edge in edges_from(release):
        apply_edge(home, edge.as_mapping())
        data = YAML(typ="safe").load((home / "config" / "default_config.yaml").read_text(encoding="utf-8"))
        errors = [error.message for error in jsonschema.Draft202012Validator(config_schema(str(edge.target))).iter_errors(data)]
        assert errors == [], f"after {edge.name}"


@pytest.mark.parametrize("release", ["0.1.0", "0.9.3", "0.10.0"])
def test_edges_twice_change_nothing(tmp_path, release):
    home = copy_home(tmp_path, release)
    for edge in edges_from(release):
        apply_edge(home, edge.as_mapping())
        before = tree_digest(home)
        again = apply_edge(home, edge.as_mapping())
        assert not again.changed, f"{edge.name} changed files on its second run"
        assert tree_digest(home) == before


def _edge(source: str):
    return next(edge for edge in IN_PLACE_EDGES if str(edge.source) == source).as_mapping()


def test_dry_run_changes_nothing(tmp_path):
    home = copy_home(tmp_path, "0.9.3")
    before = tree_digest(home)
    report = apply_edge(home, _edge("0.9.3"), dry_run=True)
    assert report.dry_run
    assert {item.kind for item in report.files if item.changed} == {"config", "env", "canon"}
    assert "-engine:\n+interpreter:\n" in report.diff()
    assert tree_digest(home) == before


def test_only_limits_kinds(tmp_path):
    home = copy_home(tmp_path, "0.9.3")
    before = tree_digest(home)
    report = apply_edge(home, _edge("0.9.3"), only={"env"})
    after = tree_digest(home)
    assert [item.kind for item in report.files] == ["env"]
    assert {name for name in before if before[name] != after[name]} == {".env"}


def test_env_keeps_values_and_gains_variables(tmp_path):
    home = copy_home(tmp_path, "0.9.3")
    old = (home / ".env").read_text(encoding="utf-8")
    apply_edge(home, _edge("0.9.3"), only={"env"})
    new = (home / ".env").read_text(encoding="utf-8")
    assert new.startswith(old)
    assert "NARRATIVE_INTERPRETER_MODE=advanced\n" in new
    assert "# Port of the separate Prometheus metrics listener\nMETRICS_EXPORT_PORT=8001\n" in new


def test_plugins_keep_old_manifest(tmp_path):
    home = copy_home(tmp_path, "0.10.0")
    old = (home / "plugins" / "dice-roller" / "plugin.yaml").read_bytes()
    report = apply_edge(home, _edge("0.10.0"), only={"plugins"})
    assert (home / "plugins" / "dice-roller" / "plugin.yaml").read_bytes() == old
    manifest = YAML(typ="safe").load((home / "plugins" / "dice-roller" / "loom-plugin.yaml").read_text())
    assert manifest["api_version"] == 1
    assert manifest["entry_point"] == "loom_runtime.plugins.bundled.dice_roller:DiceRollerPlugin"
    assert set(manifest) >= {"name", "version", "capabilities"}
    assert report.notices == ["plugin dice-roller: now LOOM's bundled loom_runtime.plugins.bundled.dice_roller:DiceRollerPlugin"]


def test_invalid_operation_changes_no_file(tmp_path):
    home = copy_home(tmp_path, "0.9.3")
    before = tree_digest(home)
    edge = dict(_edge("0.9.3"))
    edge["env"] = list(edge["env"]) + [{"rename_var": {"name": "LOOM_LOG_LEVEL", "to": "not valid!"}}]
    with pytest.raises(MigrationError) as caught:
        apply_edge(home, edge)
    assert caught.value.message == "invalid variable name 'not valid!' in rename_var"
    assert tree_digest(home) == before


def test_missing_env_created(tmp_path):
    home = copy_home(tmp_path, "0.9.3")
    (home / ".env").unlink()
    apply_edge(home, _edge("0.9.3"), only={"env"})
    text = (home / ".env").read_text()
    assert text.startswith("# Narrative interpreter mode\nNARRATIVE_INTERPRETER_MODE=advanced\n")
    assert (home / ".env").stat().st_mode & 0o777 == 0o600


def test_unknown_kind_rejected(tmp_path):
    with pytest.raises(MigrationError) as caught:
        apply_edge(tmp_path, _edge("0.9.3"), only={"database"})
    assert caught.value.message == "unknown migration kind database: expected some of config, env, canon, plugins"
