import json
import shutil
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

import loom_runtime.plugins.bundled.dice_roller as dice_module
from loom_runtime.core import EngineSettings, SessionService
from loom_runtime.i18n import set_language
from loom_runtime.plugins import PluginContext, PluginError, PluginRegistry, load_manifest

BUNDLED_DICE = Path(dice_module.__file__).parent / "loom-plugin.yaml"

RECORDER = '''
from loom_runtime.plugins import LoomPlugin

EVENTS = []


class Recorder(LoomPlugin):
    def on_session_start(self, context):
        EVENTS.append(("start", context.session_id))

    def post_process_turn(self, context, narration):
        return narration + self.settings["suffix"]

    def on_fact_added(self, context, fact):
        EVENTS.append(("fact", fact))
'''


@pytest.fixture(autouse=True)
def english():
    set_language("en")


def write_plugin(plugins: Path, folder: str, manifest: str, module: str | None = None, module_name: str = "recorder_plugin") -> Path:
    target = plugins / folder
    target.mkdir(parents=True)
    (target / "loom-plugin.yaml").write_text(textwrap.dedent(manifest), encoding="utf-8")
    if module is not None:
        (target / f"{module_name}.py").write_text(module, encoding="utf-8")
    return target / "loom-plugin.yaml"


def recorder_manifest(name: str = "recorder", module_name: str = "recorder_plugin") -> str:
    return f"""\
        api_version: 1
        name: {name}
        version: 0.1.0
        entry_point: {module_name}:Recorder
        capabilities: [session.start, turn.post_process, memory.fact_added]
        settings: {{suffix: " [recorded]"}}
        """


def test_bundled_manifest_valid():
    manifest = load_manifest(BUNDLED_DICE)
    assert manifest.name == "dice-roller"
    assert manifest.capabilities == ("turn.post_process",)
    assert manifest.settings == {"sides": 20}


def test_dice_roller_deterministic():
    plugin = dice_module.DiceRollerPlugin({"sides": 6})
    context = PluginContext("s1", 7, 3, extra={"player_input": "I roll the dice"})
    first = plugin.post_process_turn(context, "The tavern hushes.")
    assert first == plugin.post_process_turn(context, "The tavern hushes.")
    assert first.startswith("The tavern hushes. (Dice roll d6: ")
    assert 1 <= int(first.rsplit(" ", 1)[1].rstrip(")")) <= 6


def test_dice_roller_ignores_other_input():
    plugin = dice_module.DiceRollerPlugin({})
    context = PluginContext("s1", 7, 3, extra={"player_input": "I open the door"})
    assert plugin.post_process_turn(context, "Creak.") == "Creak."


def test_dice_roller_named_die_and_chinese():
    plugin = dice_module.DiceRollerPlugin({})
    context = PluginContext("s1", 7, 3, extra={"player_input": "掷骰 d12", "language": "zh"})
    assert "（掷骰 d12：" in plugin.post_process_turn(context, "茶馆安静了。")


def test_registry_runs_hooks_and_records_state(tmp_path, sqlite_url, basic_world):
    plugins = tmp_path / "plugins"
    write_plugin(plugins, "recorder", recorder_manifest(module_name="recorder_hooks"), RECORDER, module_name="recorder_hooks")
    shutil.copytree(BUNDLED_DICE.parent, plugins / "dice-roller", ignore=shutil.ignore_patterns("*.py", "__pycache__"))

    service = SessionService(sqlite_url, EngineSettings(plugins_directory=plugins))
    session = service.create_session(basic_world, seed=4)
    result = service.play_turn(session.id, "I roll a d20 for luck.")
    service.apply_intervention(session.id, "inject_fact", {"content": "Mira Holt keeps a ledger."})
    service.close()

    import recorder_hooks

    assert service.plugins.names() == ["dice-roller", "recorder"]
    assert ("start", session.id) in recorder_hooks.EVENTS
    assert ("fact", "Mira Holt keeps a ledger.") in recorder_hooks.EVENTS
    assert result.narration.endswith(" [recorded]")
    assert "(Dice roll d20: " in result.narration
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT name, version, enabled, settings FROM plugin_state ORDER BY name")).all()
    engine.dispose()
    assert [(row.name, row.version, bool(row.enabled)) for row in rows] == [("dice-roller", "1.0.0", True), ("recorder", "0.1.0", True)]
    assert json.loads(rows[1].settings) == {"suffix": " [recorded]"}


def test_registry_without_folder_is_empty(tmp_path):
    assert PluginRegistry.load(tmp_path / "missing").names() == []


def test_legacy_manifest_error(tmp_path):
    folder = tmp_path / "plugins" / "old"
    folder.mkdir(parents=True)
    (folder / "plugin.yaml").write_text("name: old\nversion: 0.1.0\nmodule: old.plugin\nhooks: [on_turn]\n", encoding="utf-8")
    with pytest.raises(PluginError) as caught:
        PluginRegistry.load(tmp_path / "plugins")
    assert str(caught.value) == (
        f"{folder / 'plugin.yaml'}: This plugin manifest has format 0, which LOOM 1.0.0 and later no longer load. "
        "Fix: Run 'loom-upgrade' to migrate it to loom-plugin.yaml, or rewrite it by hand."
    )


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        (
            "api_version: 1\nname: x\nversion: 1.0.0\nentry_point: m:C\ncapabilities: [turn.post_process, on_turn]\n",
            ":5: The capability 'on_turn' is unknown. Fix: Use one of: turn.post_process, session.start, memory.fact_added.",
        ),
        (
            "api_version: 1\nname: Bad Name\nversion: 1.0.0\nentry_point: m:C\ncapabilities: [session.start]\n",
            ":2: The value 'Bad Name' of 'name' is invalid. Fix: Use lower-case letters, digits, '-' and '_', at most 64 characters.",
        ),
        (
            "api_version: 1\nname: x\nversion: 1.0.0\nentry_point: m.C\ncapabilities: [session.start]\n",
            ":4: The value 'm.C' of 'entry_point' is invalid. Fix: Write it as 'package.module:ClassName'.",
        ),
        (
            "api_version: 2\nname: x\nversion: 1.0.0\nentry_point: m:C\ncapabilities: [session.start]\n",
            ":1: api_version must be 1, found 2. Fix: A plugin.yaml of format 0 is migrated by loom-upgrade; otherwise set 'api_version: 1'.",
        ),
        (
            "api_version: 1\nname: x\nversion: 1.0.0\nentry_point: m:C\ncapabilities: [session.start]\nhooks: [on_turn]\n",
            ":6: The key 'hooks' is unknown. Fix: Allowed keys: api_version, name, version, entry_point, capabilities, settings.",
        ),
        (
            "api_version: 1\nname: x\nversion: 1.0.0\ncapabilities: [session.start]\n",
            ": The required key 'entry_point' is missing. Fix: Add 'entry_point' to the manifest.",
        ),
        (
            "api_version: 1\nname: [x\n",
            ":3: The manifest is not valid YAML: expected ',' or ']', but got '<stream end>' Fix: Fix the YAML syntax on that line.",
        ),
    ],
)
def test_manifest_errors(tmp_path, manifest, expected):
    path = tmp_path / "loom-plugin.yaml"
    path.write_text(manifest, encoding="utf-8")
    with pytest.raises(PluginError) as caught:
        load_manifest(path)
    assert str(caught.value) == f"{path}{expected}"


def test_entry_point_import_error(tmp_path):
    plugins = tmp_path / "plugins"
    path = write_plugin(plugins, "ghost", recorder_manifest("ghost", "ghost_module_missing"))
    with pytest.raises(PluginError) as caught:
        PluginRegistry.load(plugins)
    assert str(caught.value).startswith(f"{path}: The entry point module 'ghost_module_missing' cannot be imported: ")
    assert str(caught.value).endswith("Fix: Put the module in the plugin's folder or install it into LOOM's environment.")


def test_entry_point_not_plugin_error(tmp_path):
    plugins = tmp_path / "plugins"
    path = write_plugin(plugins, "plain", recorder_manifest("plain", "plain_class_module"), "class Recorder:\n    pass\n", module_name="plain_class_module")
    with pytest.raises(PluginError) as caught:
        PluginRegistry.load(plugins)
    assert str(caught.value) == (
        f"{path}: The entry point 'plain_class_module:Recorder' is not a LoomPlugin subclass. "
        "Fix: Make it a class that inherits from loom_runtime.plugins.LoomPlugin."
    )


def test_duplicate_plugin_name_error(tmp_path):
    plugins = tmp_path / "plugins"
    write_plugin(plugins, "a", recorder_manifest("same", "dup_a"), RECORDER, module_name="dup_a")
    second = write_plugin(plugins, "b", recorder_manifest("same", "dup_b"), RECORDER, module_name="dup_b")
    with pytest.raises(PluginError) as caught:
        PluginRegistry.load(plugins)
    assert str(caught.value).startswith(f"{second}: The plugin name 'same' is already used by ")


def test_disabled_plugin_not_run(tmp_path, sqlite_url, basic_world):
    plugins = tmp_path / "plugins"
    shutil.copytree(BUNDLED_DICE.parent, plugins / "dice-roller", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO plugin_state (name, version, enabled, settings, updated_at) VALUES ('dice-roller', '1.0.0', 0, '{}', '2026-01-01 00:00:00')")
        )

    service = SessionService(sqlite_url, EngineSettings(plugins_directory=plugins))
    session = service.create_session(basic_world, seed=4)
    result = service.play_turn(session.id, "I roll a d20 for luck.")
    service.close()

    with engine.connect() as connection:
        enabled = connection.execute(sa.text("SELECT enabled FROM plugin_state WHERE name = 'dice-roller'")).scalar()
    engine.dispose()
    assert service.plugins.names() == []
    assert "Dice roll" not in result.narration
    assert not enabled


def test_entry_point_raising_module_error(tmp_path):
    plugins = tmp_path / "plugins"
    path = write_plugin(plugins, "boom", recorder_manifest("boom", "boom_on_import"), "raise RuntimeError('boom')\n", module_name="boom_on_import")
    with pytest.raises(PluginError) as caught:
        PluginRegistry.load(plugins)
    assert str(caught.value) == (
        f"{path}: The entry point module 'boom_on_import' failed while loading: RuntimeError: boom "
        "Fix: Fix the plugin's code, or remove its folder from the plugins directory."
    )


FAILING_CONSTRUCTOR = '''
from loom_runtime.plugins import LoomPlugin


class Recorder(LoomPlugin):
    def __init__(self, settings):
        raise ValueError("missing sides")
'''


def test_plugin_constructor_error(tmp_path):
    plugins = tmp_path / "plugins"
    path = write_plugin(plugins, "ctor", recorder_manifest("ctor", "ctor_fails"), FAILING_CONSTRUCTOR, module_name="ctor_fails")
    with pytest.raises(PluginError) as caught:
        PluginRegistry.load(plugins)
    assert str(caught.value) == (
        f"{path}: The plugin class 'ctor_fails:Recorder' failed to start: ValueError: missing sides "
        "Fix: Check the plugin's settings in its manifest, or fix the plugin's code."
    )


FAILING_HOOKS = '''
from loom_runtime.plugins import LoomPlugin


class Recorder(LoomPlugin):
    def on_session_start(self, context):
        raise RuntimeError("start failed")

    def post_process_turn(self, context, narration):
        raise RuntimeError("turn failed")

    def on_fact_added(self, context, fact):
        raise RuntimeError("fact failed")
'''


def test_failing_hooks_keep_turn(tmp_path, sqlite_url, basic_world, caplog):
    plugins = tmp_path / "plugins"
    write_plugin(plugins, "flaky", recorder_manifest("flaky", "flaky_hooks"), FAILING_HOOKS, module_name="flaky_hooks")
    service = SessionService(sqlite_url, EngineSettings(plugins_directory=plugins))
    session = service.create_session(basic_world, seed=3)
    result = service.play_turn(session.id, "I walk to Brackwater.")
    service.close()
    assert result.narration
    assert result.new_facts
    failures = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert f"Plugin flaky failed in session.start for session {session.id}; continuing without it" in failures
    assert f"Plugin flaky failed in turn.post_process for session {session.id}; continuing without it" in failures
    assert f"Plugin flaky failed in memory.fact_added for session {session.id}; continuing without it" in failures
