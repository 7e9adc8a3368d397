"""Plugin manifests: format 0 plugin.yaml to api_version 1 loom-plugin.yaml."""

from __future__ import annotations

from pathlib import Path

from loom_upgrade.migrate.plugins import convert_manifest_text, migrate_plugins

MANIFEST = """\
# Dice roller for LOOM
name: dice-roller
version: 0.3.1
module: dice_roller.plugin        # module whose functions are the hooks
hooks: [on_turn, on_session_start]
config: {sides: 20}
"""


def test_manifest_converted_with_comments():
    new, report = convert_manifest_text(Path("plugins/dice/plugin.yaml"), MANIFEST)
    assert new == (
        "# Dice roller for LOOM\napi_version: 1\nname: dice-roller\nversion: 0.3.1\n"
        "entry_point: dice_roller.plugin:Plugin        # module whose functions are the hooks\n"
        "capabilities: [turn.post_process, session.start]\nsettings: {sides: 20}\n"
    )
    assert report.warnings == [
        "plugin dice-roller: entry point dice_roller.plugin:Plugin must be a class implementing "
        "loom_runtime.plugins.LoomPlugin; its author must turn the hook functions of dice_roller.plugin into that class"
    ]


def test_unknown_hook_left_out_and_reported():
    text = "name: x\nmodule: m\nhooks:\n  - on_turn\n  - on_weird\nconfig:\n  a: 1\n"
    new, report = convert_manifest_text(Path("plugins/x/plugin.yaml"), text)
    assert new == "api_version: 1\nname: x\nentry_point: m:Plugin\ncapabilities:\n  - turn.post_process\nsettings:\n  a: 1\n"
    assert report.warnings[1] == (
        "plugin x: hooks on_weird have no capability in api_version 1 and were left out; its author must port them"
    )


def test_existing_new_manifest_left_alone(tmp_path):
    plugin = tmp_path / "plugins" / "dice"
    plugin.mkdir(parents=True)
    (plugin / "plugin.yaml").write_text(MANIFEST)
    first = migrate_plugins(tmp_path / "plugins")
    assert first.changed
    written = (plugin / "loom-plugin.yaml").read_bytes()
    second = migrate_plugins(tmp_path / "plugins")
    assert not second.changed
    assert second.notices == [f"{plugin / 'loom-plugin.yaml'} already exists; left as it is"]
    assert (plugin / "loom-plugin.yaml").read_bytes() == written
    assert (plugin / "plugin.yaml").read_text() == MANIFEST


def test_converted_manifest_loads_in_runtime(tmp_path):
    from loom_runtime.plugins.manifest import load_manifest

    plugin = tmp_path / "plugins" / "dice"
    plugin.mkdir(parents=True)
    (plugin / "plugin.yaml").write_text(MANIFEST)
    migrate_plugins(tmp_path / "plugins")
    manifest = load_manifest(plugin / "loom-plugin.yaml")
    assert manifest.entry_point == "dice_roller.plugin:Plugin"
    assert manifest.capabilities == ("turn.post_process", "session.start")
    assert manifest.settings == {"sides": 20}


BUNDLED_ENTRY_POINTS = {"loom.plugins.dice_roller": "loom_runtime.plugins.bundled.dice_roller:DiceRollerPlugin"}


def test_bundled_plugin_maps_to_its_class():
    text = "name: dice-roller\nmodule: loom.plugins.dice_roller  # bundled\nhooks: [on_turn]\n"
    new, report = convert_manifest_text(Path("plugins/dice/plugin.yaml"), text, BUNDLED_ENTRY_POINTS)
    assert new == (
        "api_version: 1\nname: dice-roller\n"
        "entry_point: loom_runtime.plugins.bundled.dice_roller:DiceRollerPlugin  # bundled\n"
        "capabilities: [turn.post_process]\n"
    )
    assert report.warnings == []
    assert report.notices == [
        "plugin dice-roller: now LOOM's bundled loom_runtime.plugins.bundled.dice_roller:DiceRollerPlugin"
    ]


def test_bundled_plugin_loads_in_runtime(tmp_path):
    from loom_runtime.plugins import PluginRegistry

    plugin = tmp_path / "plugins" / "dice"
    plugin.mkdir(parents=True)
    (plugin / "plugin.yaml").write_text("name: dice-roller\nversion: 0.3.1\nmodule: loom.plugins.dice_roller\nhooks: [on_turn]\nconfig: {sides: 6}\n")
    migrate_plugins(tmp_path / "plugins", entry_points=BUNDLED_ENTRY_POINTS)
    registry = PluginRegistry.load(tmp_path / "plugins")
    assert [loaded.manifest.name for loaded in registry.plugins] == ["dice-roller"]
