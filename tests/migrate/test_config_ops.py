"""Config operations on small YAML texts: exact bytes, no-ops with reasons and clear errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from loom_upgrade.errors import MigrationError
from loom_upgrade.migrate.config import migrate_config_file, migrate_config_text

NAME = Path("config.yaml")


def migrate(text: str, *operations):
    return migrate_config_text(NAME, text, list(operations))


def test_move_key_fills_placeholders():
    text = "llm:\n  provider: offline  # which provider\n  # model name\n  model: tiny\nlogging:\n  level: INFO\n"
    new, report = migrate(
        text,
        {"move_key": {"path": "llm.model", "to": "llm_providers.{llm.provider}.model"}},
        {"move_key": {"path": "llm.provider", "to": "llm_providers.default"}},
        {"set_default": {"path": "llm_providers.{llm_providers.default}.temperature", "value": 0.7}},
        {"remove_key": {"path": "llm", "only_if_empty": True}},
    )
    assert new == (
        "logging:\n  level: INFO\nllm_providers:\n  offline:\n    # model name\n    model: tiny\n"
        "    temperature: 0.7\n  default: offline  # which provider\n"
    )
    assert report.counts == {"applied": 4}


def test_move_key_template_keeps_comment():
    new, _ = migrate(
        "storage:\n  path: data/loom.db  # SQLite file\n",
        {"move_key": {"path": "storage.path", "to": "storage.url", "template": "sqlite:///{value}"}},
    )
    assert new == "storage:\n  url: sqlite:///data/loom.db  # SQLite file\n"


def test_move_key_done_is_noop():
    text = "storage:\n  url: sqlite:///data/loom.db\n"
    new, report = migrate(text, {"move_key": {"path": "storage.path", "to": "storage.url"}})
    assert new == text
    assert report.notices == ["storage.path is already moved to storage.url"]


def test_rename_done_is_noop():
    text = "interpreter:\n  mode: basic\n"
    new, report = migrate(text, {"rename_key": {"path": "engine", "to": "interpreter"}})
    assert new == text
    assert report.notices == ["engine is already renamed to interpreter"]


def test_rename_both_present_rejected():
    with pytest.raises(MigrationError) as caught:
        migrate("engine: {a: 1}\ninterpreter: {a: 2}\n", {"rename_key": {"path": "engine", "to": "interpreter"}})
    assert caught.value.message == "config.yaml: both engine and interpreter are set, so engine cannot take the new name"
    assert caught.value.line == 1


def test_set_default_keeps_operator_value():
    text = "server:\n  request_timeout: 45\n"
    new, report = migrate(text, {"set_default": {"path": "server.request_timeout", "value": 30}})
    assert new == text
    assert report.notices == ["server.request_timeout is already set; its value is kept"]


def test_new_strings_quoted_for_yaml11():
    new, _ = migrate(
        "a:\n  b: 1\n",
        {"set_default": {"path": "a.flag", "value": "no"}},
        {"set_default": {"path": "a.mode", "value": "0750"}},
        {"set_default": {"path": "a.day", "value": "2026-01-12"}},
        {"set_default": {"path": "a.none", "value": "~"}},
        {"set_default": {"path": "a.big", "value": "1e3"}},
    )
    assert new == "a:\n  b: 1\n  flag: 'no'\n  mode: '0750'\n  day: '2026-01-12'\n  none: '~'\n  big: '1e3'\n"


def test_existing_ambiguous_value_warned_not_changed():
    new, report = migrate("a:\n  switch: on\n  mode: 0750\n", {"set_default": {"path": "a.b", "value": 1}})
    assert new == "a:\n  switch: on\n  mode: 0750\n  b: 1\n"
    assert report.warnings == [
        "config.yaml:2: the unquoted value on is read as another type by YAML 1.1 tools; quote it if it is meant as text",
        "config.yaml:3: the unquoted value 0750 is read as another type by YAML 1.1 tools; quote it if it is meant as text",
    ]


def test_crlf_bom_and_trailing_spaces_survive():
    text = "\ufeffa:  \r\n  b: 1   \r\n# banner\r\nc: 2\r\n"
    new, _ = migrate(text, {"add_key": {"path": "a.d", "value": "x"}}, {"rename_key": {"path": "c", "to": "e"}})
    assert new == "\ufeffa:  \r\n  b: 1   \r\n  d: x\r\n# banner\r\ne: 2\r\n"


def test_flow_mapping_edited_inside_braces():
    new, _ = migrate("a: {x: 1, y: 2}\nb: {}\n", {"add_key": {"path": "a.z", "value": 3}}, {"add_key": {"path": "b.k", "value": "v"}})
    assert new == "a: {x: 1, y: 2, z: 3}\nb: {k: v}\n"
    new, _ = migrate("a: {x: 1, y: 2}\n", {"remove_key": {"path": "a.x"}})
    assert new == "a: {y: 2}\n"


def test_remove_last_child_leaves_empty_mapping():
    new, _ = migrate("memory:\n  storage_type: sqlite\nother: 1\n", {"remove_key": {"path": "memory.storage_type"}})
    assert new == "memory: {}\nother: 1\n"


def test_only_if_empty_keeps_filled_section():
    text = "llm:\n  model: tiny\n"
    new, report = migrate(text, {"remove_key": {"path": "llm", "only_if_empty": True}})
    assert new == text
    assert report.notices == ["llm is kept because it is not empty"]


def test_list_paths_and_first_item_key():
    text = "mounts:\n  - name: rules\n    path: /r\n  - name: data\n    path: /d\n"
    new, _ = migrate(text, {"remove_key": {"path": "mounts[1].name"}}, {"set_value": {"path": "mounts[0].path", "value": "/srv"}})
    assert new == "mounts:\n  - name: rules\n    path: /srv\n  - path: /d\n"


def test_block_scalar_and_anchors_survive():
    text = "base: &b\n  x: 1\nuse:\n  <<: *b\n  note: |\n    line one\n\n    line two\nlast: 1\n"
    new, _ = migrate(text, {"add_key": {"path": "use.w", "value": 2}}, {"rename_key": {"path": "base.x", "to": "z"}})
    assert new == "base: &b\n  z: 1\nuse:\n  <<: *b\n  note: |\n    line one\n\n    line two\n  w: 2\nlast: 1\n"


def test_removing_used_anchor_rejected():
    with pytest.raises(MigrationError) as caught:
        migrate("base: &b\n  x: 1\nuse:\n  <<: *b\n", {"remove_key": {"path": "base"}})
    assert caught.value.message == (
        "config.yaml: cannot remove or move base: it defines an anchor that an alias elsewhere in the file refers to"
    )


def test_custom_tags_kept():
    text = "http: !include http.yaml\nkey: !secret api_key\n"
    new, _ = migrate(text, {"set_default": {"path": "extra", "value": True}})
    assert new == text + "extra: true\n"


def test_multi_document_needs_doc():
    text = "---\nkind: A\nx: 1\n---\nkind: B\nx: 2\n"
    with pytest.raises(MigrationError) as caught:
        migrate(text, {"rename_key": {"path": "x", "to": "y"}})
    assert caught.value.message == "config.yaml holds 2 YAML documents and the operation does not say which one"
    new, _ = migrate(text, {"rename_key": {"path": "x", "to": "w", "doc": {"kind": "B"}}})
    assert new == "---\nkind: A\nx: 1\n---\nkind: B\nw: 2\n"
    new, _ = migrate(text, {"add_key": {"path": "z", "value": 0, "doc": 0}})
    assert new == "---\nkind: A\nx: 1\nz: 0\n---\nkind: B\nx: 2\n"


def test_missing_placeholder_named():
    with pytest.raises(MigrationError) as caught:
        migrate("a: 1\n", {"set_default": {"path": "llm_providers.{llm_providers.default}.temperature", "value": 0.7}})
    assert caught.value.message == (
        "config.yaml: the key path llm_providers.{llm_providers.default}.temperature needs llm_providers.default, which is not set"
    )


def test_invalid_yaml_names_line(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("a: 1\nb: [\n")
    with pytest.raises(MigrationError) as caught:
        migrate_config_file(path, [{"set_default": {"path": "c", "value": 1}}])
    assert caught.value.line == 2
    assert caught.value.message == "config.yaml is not valid YAML: did not find expected node content (while parsing a flow node)"
    assert path.read_text() == "a: 1\nb: [\n"


def test_invalid_yaml_column_without_file_marks():
    with pytest.raises(MigrationError) as caught:
        migrate("a: 1\nb: c: d\n", {"set_default": {"path": "e", "value": 1}})
    assert caught.value.message == "config.yaml is not valid YAML: mapping values are not allowed in this context at column 5"
    assert caught.value.line == 2


def test_duplicate_key_named_with_lines():
    with pytest.raises(MigrationError) as caught:
        migrate("engine:\n  a: 1\nengine:\n  b: 2\n", {"rename_key": {"path": "engine", "to": "interpreter"}})
    assert caught.value.message == "config.yaml: the key engine is set twice in one mapping (lines 1 and 3)"
    assert caught.value.line == 3
    assert caught.value.fix == "Keep one engine entry in config.yaml (merge the two if both hold settings), then run the migration again."


def test_move_alias_value_names_anchor():
    with pytest.raises(MigrationError) as caught:
        migrate(
            "x: &dbp data/loom.db\nstorage:\n  path: *dbp\n",
            {"move_key": {"path": "storage.path", "to": "storage.url", "template": "sqlite:///{value}"}},
        )
    assert caught.value.message == "config.yaml: storage.path is the alias *dbp, so the template cannot rewrite its value in place"
    assert caught.value.line == 3
    assert caught.value.fix == "Write the value of the anchor &dbp in place of *dbp in config.yaml, then run the migration again."


def test_move_template_in_flow_mapping_quoted():
    new, report = migrate(
        "storage: {path: data/loom.db}\n",
        {"move_key": {"path": "storage.path", "to": "storage.url", "template": "sqlite:///{value}"}},
    )
    assert new == "storage: {url: 'sqlite:///data/loom.db'}\n"
    assert report.counts == {"applied": 1}


def test_symlink_and_mode_kept(tmp_path):
    target = tmp_path / "real.yaml"
    target.write_text("a: 1\n")
    os.chmod(target, 0o640)
    link = tmp_path / "config.yaml"
    link.symlink_to(target)
    migrate_config_file(link, [{"set_default": {"path": "b", "value": 2}}])
    assert link.is_symlink()
    assert target.read_text() == "a: 1\nb: 2\n"
    assert target.stat().st_mode & 0o777 == 0o640


def test_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("a: 1\n")
    report = migrate_config_file(path, [{"set_default": {"path": "b", "value": 2}}], dry_run=True)
    assert report.changed
    assert report.diff == "--- a/config.yaml\n+++ b/config.yaml\n@@ -1 +1,2 @@\n a: 1\n+b: 2\n"
    assert path.read_text() == "a: 1\n"


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_empty_document_gets_section(text):
    new, _ = migrate(text, {"set_default": {"path": "auth.token_ttl", "value": 86400}})
    assert new == text + "auth:\n  token_ttl: 86400\n"


def test_group_header_comment_stays():
    text = "a: 1\n\n# Redis\nredis_host: h\nredis_port: 6379\n"
    new, _ = migrate(text, {"remove_key": {"path": "redis_host"}})
    assert new == "a: 1\n\n# Redis\nredis_port: 6379\n"


def test_key_comment_moves_with_key():
    text = "server:\n  # HTTP port\n  port: 80\n  servlet:\n    path: /\n"
    new, _ = migrate(text, {"move_key": {"path": "server.port", "to": "http.port"}})
    assert new == "server:\n  servlet:\n    path: /\nhttp:\n  # HTTP port\n  port: 80\n"


def test_first_key_removal_leaves_no_leading_blank():
    new, _ = migrate("# header\nimage:\n  tag: 1\n\nname: x\n", {"remove_key": {"path": "image"}})
    assert new == "name: x\n"


def test_new_key_after_commented_options():
    text = "mounts:\n  extra:\n  #  - name: nfs\n\n# Next section\nother: 1\n"
    new, _ = migrate(text, {"set_default": {"path": "mounts.pool", "value": 5}})
    assert new == "mounts:\n  extra:\n  #  - name: nfs\n  pool: 5\n\n# Next section\nother: 1\n"


MERGED = "defaults: &srv\n  request_timeout: 45\nserver:\n  <<: *srv\n  port: 8000\n"


def test_set_default_merged_key_kept():
    new, report = migrate(MERGED, {"set_default": {"path": "server.request_timeout", "value": 30}})
    assert new == MERGED
    assert report.notices == ["server.request_timeout is already set through a YAML merge key (<<); its value is kept"]
    assert report.counts == {"skipped": 1}


def test_set_default_merge_list_kept():
    text = "a: &a {x: 1}\nb: &b {max_turns: 800}\nengine:\n  <<: [*a, *b]\n"
    new, report = migrate(text, {"set_default": {"path": "engine.max_turns", "value": 500}})
    assert new == text
    assert report.notices == ["engine.max_turns is already set through a YAML merge key (<<); its value is kept"]


def test_set_value_overrides_merged_key():
    new, _ = migrate(MERGED, {"set_value": {"path": "server.request_timeout", "value": 30}})
    assert new == MERGED + "  request_timeout: 30\n"
