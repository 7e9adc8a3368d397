"""The fixture builder writes every release's home with a valid, populated database."""

import sqlite3

import pytest

from fixtures.build import build_home
from loom_migrations import catalog_lookup, fingerprint, runner

RELEASES = [str(release["version"]) for release in catalog_lookup.releases()]


def _scalar(database, sql):
    with sqlite3.connect(database) as connection:
        return connection.execute(sql).fetchone()[0]


@pytest.mark.parametrize("release", RELEASES)
def test_build_release_home(release, tmp_path):
    home = tmp_path / "home"
    report = build_home(release, 300, home)
    database = home / "data" / "loom.db"

    assert runner.current_revision(f"sqlite:///{database}") == catalog_lookup.revision_for_release(release)
    assert runner.read_release(f"sqlite:///{database}") == release
    assert fingerprint.differences(
        fingerprint.reference_fingerprint(release, "sqlite"), fingerprint.schema_fingerprint(f"sqlite:///{database}")
    ) == []
    assert _scalar(database, "PRAGMA integrity_check") == "ok"
    assert _scalar(database, "SELECT count(*) FROM pragma_foreign_key_check") == 0
    turns_table = "game_turns" if "game_turns" in report.rows else "narrative_turns"
    assert report.rows[turns_table] == 300
    for name in ("config/default_config.yaml", ".env", "canon/default.md", "canon/zh.md"):
        assert (home / name).is_file(), name


def test_build_is_deterministic(tmp_path):
    build_home("0.9.3", 150, tmp_path / "a", seed=3)
    build_home("0.9.3", 150, tmp_path / "b", seed=3)
    dump = []
    for name in ("a", "b"):
        with sqlite3.connect(tmp_path / name / "data" / "loom.db") as connection:
            dump.append("\n".join(connection.iterdump()))
    assert dump[0] == dump[1]


def test_build_hard_cases_present(tmp_path):
    build_home("1.1.0", 500, tmp_path / "home")
    database = tmp_path / "home" / "data" / "loom.db"
    assert _scalar(database, "SELECT count(*) FROM narrative_sessions s WHERE NOT EXISTS "
                   "(SELECT 1 FROM narrative_turns t WHERE t.session_id = s.id)") >= 2
    assert _scalar(database, "SELECT max(length(narration)) FROM narrative_turns") > 10_000
    assert _scalar(database, "SELECT count(*) FROM narrative_turns WHERE player_input LIKE '%🐉%'") >= 1
    assert _scalar(database, "SELECT count(*) FROM narrative_turns WHERE token_count IS NULL") > 0
    assert _scalar(database, "SELECT count(*) FROM memory_facts WHERE turn_id IS NULL") > 0
    assert _scalar(database, "SELECT count(*) FROM narrative_turns WHERE instr(player_input, char(0)) > 0") == 0


def test_plugin_manifest_by_release(tmp_path):
    old = build_home("0.10.0", 10, tmp_path / "old")
    new = build_home("1.0.0", 10, tmp_path / "new")
    assert (old.home / "plugins/dice-roller/plugin.yaml").is_file()
    assert (new.home / "plugins/dice-roller/loom-plugin.yaml").is_file()


def test_build_refuses_nonempty_folder(tmp_path):
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError, match="is not empty"):
        build_home("0.1.0", 10, tmp_path / "home")


def test_make_home_copies(make_home):
    first = make_home("0.2.0", turns=50)
    second = make_home("0.2.0", turns=50)
    assert first != second
    assert runner.read_release(f"sqlite:///{first / 'data' / 'loom.db'}") == "0.2.0"


@pytest.mark.parametrize("release", RELEASES)
def test_home_template_config_valid(release):
    import json
    from pathlib import Path

    import jsonschema
    from packaging.version import Version
    from ruamel.yaml import YAML

    root = Path(__file__).parents[2]
    entry = next(r for r in catalog_lookup.releases() if str(r["version"]) == release)
    schema = json.loads((root / "schemas" / entry["config_schema"]).read_text(encoding="utf-8"))
    config = YAML(typ="safe").load((root / "fixtures" / "homes" / release / "config" / "default_config.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(config, schema)

    env = (root / "fixtures" / "homes" / release / ".env").read_text(encoding="utf-8")
    has_new_variables = "NARRATIVE_INTERPRETER_MODE=" in env
    assert has_new_variables == (Version(release) >= Version("0.10.0"))
    assert ("MEMORY_STORAGE_TYPE=" in env) == release.startswith("0.10")
