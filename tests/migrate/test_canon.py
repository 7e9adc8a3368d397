"""Canon pattern rewrites: headings outside code blocks, with every other byte kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from loom_upgrade.errors import MigrationError
from loom_upgrade.migrate.canon import migrate_canon, rewrite_text

RULES = [
    {"pattern": "^(#{1,6})\\s+Game Rules\\s*$", "replacement": "\\1 Rules"},
    {"pattern": "^(#{1,6})\\s+游戏规则\\s*$", "replacement": "\\1 规则"},
]


def test_headings_rewritten_outside_code():
    text = (
        "---\ntitle: Game Rules\n---\n# Game Rules\r\n\r\nLine with a break  \r\nnext\r\n"
        "```\n# Game Rules\n```\n\n    # Game Rules\n\n## 游戏规则\n| a | b |\n|---|---|"
    )
    new, report = rewrite_text(Path("world.md"), text, RULES)
    assert new == text.replace("# Game Rules\r\n", "# Rules\r\n", 1).replace("## 游戏规则", "## 规则")
    assert report.counts == {"replacements": 2}


def test_front_matter_edited_like_config():
    text = "---\ntitle: Salt Coast  # shown in lists\nengine: basic\n---\n# Opening\n"
    new, report = rewrite_text(Path("world.md"), text, [{"front_matter": {"rename_key": {"path": "engine", "to": "interpreter"}}}])
    assert new == "---\ntitle: Salt Coast  # shown in lists\ninterpreter: basic\n---\n# Opening\n"
    assert report.counts == {"front_matter_changes": 1}


def test_folder_reports_each_file(tmp_path):
    canon = tmp_path / "canon"
    (canon / "places").mkdir(parents=True)
    (canon / "rules.md").write_text("# Game Rules\n", encoding="utf-8")
    (canon / "places" / "port.md").write_text("# Port\n", encoding="utf-8")
    before = (canon / "places" / "port.md").stat().st_mtime_ns
    report = migrate_canon(canon, RULES)
    assert [(item.path.name, item.changed, item.counts) for item in report.files] == [
        ("port.md", False, {}),
        ("rules.md", True, {"replacements": 1}),
    ]
    assert (canon / "rules.md").read_text() == "# Rules\n"
    assert (canon / "places" / "port.md").stat().st_mtime_ns == before


def test_invalid_pattern_rejected_before_writing(tmp_path):
    canon = tmp_path / "canon"
    canon.mkdir()
    (canon / "rules.md").write_text("# Game Rules\n")
    with pytest.raises(MigrationError) as caught:
        migrate_canon(canon, RULES + [{"pattern": "(", "replacement": "x"}])
    assert caught.value.message.startswith("invalid regular expression '(' in a canon rule: ")
    assert (canon / "rules.md").read_text() == "# Game Rules\n"


def test_catalog_flag_names_accepted():
    new, report = rewrite_text(Path("w.md"), "# game rules\n", [{"pattern": "^# Game Rules$", "replacement": "# Rules", "flags": ["IGNORECASE"]}])
    assert new == "# Rules\n"
    assert report.counts == {"replacements": 1}


def test_unknown_flag_rejected():
    with pytest.raises(MigrationError) as caught:
        rewrite_text(Path("w.md"), "# x\n", [{"pattern": "x", "replacement": "y", "flags": ["GLOBAL"]}])
    assert caught.value.message == (
        "invalid flag 'GLOBAL' in canon rule 'x': use IGNORECASE, MULTILINE, DOTALL, VERBOSE, ASCII or UNICODE"
    )


def test_html_pre_block_kept():
    text = "<pre>\n## Game Rules\n\nstill inside\n</pre>\n\n## Game Rules\n"
    new, report = rewrite_text(Path("world.md"), text, RULES)
    assert new == "<pre>\n## Game Rules\n\nstill inside\n</pre>\n\n## Rules\n"
    assert report.counts == {"replacements": 1}


def test_catalog_rules_ignore_heading_case(tmp_path):
    from loom_upgrade.cli.migrate_cmd import catalog_edges

    rules = [rule for edge in catalog_edges("0.9.3", "0.10.0") for rule in edge["canon"]]
    new, _ = rewrite_text(Path("world.md"), "## game rules\n# STARTING SCENE\n", rules)
    assert new == "## Rules\n# Opening\n"
