from pathlib import Path

import pytest
from ruamel.yaml import YAML

from loom_runtime.i18n import set_language
from loom_runtime.rules import STARTER_CANON, STARTER_CANON_ZH, CanonError, load_canon, parse_canon
from loom_runtime.rules.sections import LEGACY_HEADINGS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def english():
    set_language("en")


def canon_text(body: str, front: str = "title: Test\nlanguage: en\n") -> str:
    return f"---\n{front}---\n\n{body}"


def test_basic_world_parts(basic_world):
    canon = load_canon(basic_world)
    assert canon.title == "The Salt Coast"
    assert canon.language == "en"
    assert canon.canon_version == "1"
    assert canon.character_names() == ["Mira Holt", "Tobin Reed", "Sister Alder"]
    assert canon.characters[0].description.startswith("keeper of the Gull and Anchor inn")
    assert canon.place_names() == ["Brackwater", "The Dark Lighthouse"]
    assert canon.places[1].description == "A tower on the headland; its lamp room is locked and the key is lost."
    assert [rule.allowed for rule in canon.rules] == [True, True, False, False]
    assert canon.forbidden_rules[0].phrases == ("magic",)
    assert canon.opening.startswith("Fog rolls in over Brackwater")
    assert canon.world.startswith("A chain of fishing towns")
    assert canon.warnings == []


def test_chinese_world_parts(zh_world):
    canon = load_canon(zh_world)
    assert canon.title == "青石镇"
    assert canon.language == "zh"
    assert canon.character_names() == ["林掌柜", "阿竹", "周捕头"]
    assert canon.characters[1].description == "年轻的采药人，熟悉竹林里的每一条小路。"
    assert canon.place_names() == ["清风茶馆", "竹林"]
    assert [rule.text for rule in canon.allowed_rules] == ["旅人可以在茶馆打听消息。"]
    assert [rule.phrases for rule in canon.forbidden_rules] == [("法术",), ("死者复活",)]
    assert canon.opening.startswith("清晨的雾还没有散")


def test_starter_canons_parse():
    english = parse_canon(STARTER_CANON, "canon/default.md")
    chinese = parse_canon(STARTER_CANON_ZH, "canon/default.md")
    assert english.character_names() == ["Ada Finch", "Old Corran"]
    assert chinese.character_names() == ["艾达", "老柯"]
    assert english.forbidden_rules
    assert chinese.forbidden_rules
    assert english.warnings == []
    assert chinese.warnings == []


def test_legacy_headings_accepted():
    text = canon_text(
        "## Characters\n\n- Bram: a smith\n\n## Game Rules\n\n- Forbidden: `dragons`\n\n"
        "## Game Master Notes\n\nKeep it grim.\n\n## Starting Scene\n\nRain falls.\n"
    )
    canon = parse_canon(text, "old.md")
    assert canon.opening == "Rain falls."
    assert canon.notes == "Keep it grim."
    assert canon.forbidden_rules[0].phrases == ("dragons",)
    assert canon.warnings == []


def test_legacy_chinese_headings_accepted():
    text = canon_text("## 游戏规则\n\n- 禁止：`龙`\n\n## 主持人笔记\n\n阴郁。\n\n## 开场场景\n\n下雨了。\n", "title: 旧\n")
    canon = parse_canon(text, "old.md")
    assert canon.language == "zh"
    assert canon.opening == "下雨了。"
    assert canon.notes == "阴郁。"
    assert canon.forbidden_rules[0].phrases == ("龙",)


def test_legacy_headings_match_term_map():
    catalog = YAML(typ="safe").load((ROOT / "migrations" / "releases.yaml").read_text(encoding="utf-8"))
    assert catalog["term_map"]["canon_headings"] == LEGACY_HEADINGS


def test_rules_under_h3_headings():
    text = canon_text("## Rules\n\nThese hold.\n\n### Allowed\n\n- Trade\n\n### Forbidden\n\n- Flight\n\n## Opening\n\nGo.\n")
    canon = parse_canon(text)
    assert [(rule.text, rule.allowed) for rule in canon.rules] == [("Trade", True), ("Flight", False)]


def test_characters_as_h3():
    text = canon_text("## Characters\n\n### Vera\n\nA pilot.\n\nShe never lands.\n\n### Oto\n\nA mechanic.\n\n## Opening\n\nGo.\n")
    canon = parse_canon(text)
    assert [(c.name, c.description) for c in canon.characters] == [("Vera", "A pilot. She never lands."), ("Oto", "A mechanic.")]


def test_title_falls_back_to_h1():
    canon = parse_canon("# Ember Vale\n\n## Opening\n\nSmoke rises.\n", "vale.md")
    assert canon.title == "Ember Vale"
    assert canon.language == "en"


def test_unknown_section_is_warning():
    canon = parse_canon(canon_text("## Weather\n\nCold.\n\n## Opening\n\nGo.\n"), "w.md")
    assert len(canon.warnings) == 1
    assert canon.warnings[0].line == 6
    assert canon.warnings[0].message == "Unknown section 'Weather' is ignored."


def test_missing_opening_error():
    with pytest.raises(CanonError) as caught:
        parse_canon(canon_text("## World\n\nA place.\n"), "canon/a.md")
    assert str(caught.value) == (
        "canon/a.md: The canon has no Opening section. "
        "Fix: Add a '## Opening' section (or '## 开场') with the scene that starts every session."
    )


def test_empty_opening_error():
    with pytest.raises(CanonError) as caught:
        parse_canon(canon_text("## Opening\n\n## World\n\nA place.\n"), "canon/a.md")
    assert caught.value.line == 6
    assert "The Opening section is empty." in str(caught.value)


def test_bad_front_matter_error():
    with pytest.raises(CanonError) as caught:
        parse_canon("---\ntitle: Test\nlanguage: [en\n---\n\n## Opening\n\nGo.\n", "canon/bad.md")
    message = str(caught.value)
    assert message.startswith("canon/bad.md, line 3: The front matter is not valid YAML:")
    assert message.endswith("Fix: Write the front matter as 'key: value' lines between two '---' lines.")
    assert caught.value.line == 3


def test_front_matter_not_mapping_error():
    with pytest.raises(CanonError) as caught:
        parse_canon("---\n- one\n- two\n---\n\n## Opening\n\nGo.\n", "c.md")
    assert str(caught.value) == (
        "c.md, line 2: The front matter must be a mapping of keys to values. "
        "Fix: Write the front matter as 'key: value' lines, for example 'title: The Salt Coast'."
    )


def test_unsupported_language_error():
    with pytest.raises(CanonError) as caught:
        parse_canon(canon_text("## Opening\n\nGo.\n", "title: T\nlanguage: fr\n"), "c.md")
    assert str(caught.value) == "c.md, line 2: The language 'fr' is not supported. Fix: Set 'language' to 'en' or 'zh-CN'."


def test_empty_rule_error():
    with pytest.raises(CanonError) as caught:
        parse_canon(canon_text("## Rules\n\n- Allowed: Trade\n- Forbidden:\n\n## Opening\n\nGo.\n"), "r.md")
    assert str(caught.value) == "r.md, line 9: The rule is empty. Fix: Write the rule after its prefix, or delete the empty list item."


def test_unprefixed_rule_error():
    with pytest.raises(CanonError) as caught:
        parse_canon(canon_text("## Rules\n\n- No guns\n\n## Opening\n\nGo.\n"), "r.md")
    assert caught.value.line == 8
    assert "The rule 'No guns' does not say whether it is allowed or forbidden." in str(caught.value)


def test_unknown_rules_heading_error():
    with pytest.raises(CanonError) as caught:
        parse_canon(canon_text("## Rules\n\n### Maybe\n\n- Trade\n\n## Opening\n\nGo.\n"), "r.md")
    assert "The rules heading 'Maybe' is neither Allowed nor Forbidden." in str(caught.value)


def test_duplicate_character_error():
    with pytest.raises(CanonError) as caught:
        parse_canon(canon_text("## Characters\n\n- Mira: an innkeeper\n- mira: a thief\n\n## Opening\n\nGo.\n"), "d.md")
    assert str(caught.value) == (
        "d.md, line 9: The character 'mira' is defined twice (first on line 8). "
        "Fix: Merge the two descriptions or rename one of them."
    )


def test_missing_file_error(tmp_path):
    missing = tmp_path / "none.md"
    with pytest.raises(CanonError) as caught:
        load_canon(missing)
    assert str(caught.value) == f"{missing}: The canon file does not exist. Fix: Check the path, or run 'loom init' to write a starter canon."


def test_error_message_in_chinese():
    set_language("zh")
    try:
        with pytest.raises(CanonError) as caught:
            parse_canon(canon_text("## World\n\nA place.\n"), "canon/a.md")
    finally:
        set_language("en")
    assert str(caught.value) == "canon/a.md：设定缺少开场一节。 修复方法：添加 '## 开场'（或 '## Opening'）一节，写出每个会话开始时的场景。"


def test_unclosed_front_matter_error():
    with pytest.raises(CanonError) as caught:
        parse_canon("---\ntitle: X\n\n## Opening\n\nGo.\n", "u.md")
    assert str(caught.value) == "u.md, line 1: The front matter is not closed. Fix: End the front matter with a line that contains only '---'."


def test_empty_character_item_error():
    with pytest.raises(CanonError) as caught:
        parse_canon("## Characters\n\n- A: b\n-\n\n## Opening\n\nGo.\n", "e.md")
    assert str(caught.value) == "e.md, line 4: The character list item is empty. Fix: Write it as 'Name: description', or delete the empty list item."
