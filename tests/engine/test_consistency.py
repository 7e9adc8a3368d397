import pytest

from loom_runtime.consistency import ConsistencyChecker, ConsistencyError
from loom_runtime.i18n import set_language
from loom_runtime.rules import load_canon


@pytest.fixture(autouse=True)
def english():
    set_language("en")


@pytest.fixture
def canon(basic_world):
    return load_canon(basic_world)


def kinds(checker, text, facts=()):
    return [violation.kind for violation in checker.check(text, facts)]


@pytest.mark.parametrize("level", ["low", "medium", "high"])
def test_forbidden_phrase_every_level(canon, level):
    violations = ConsistencyChecker(canon, level).check("Sister Alder whispers a word of MAGIC.")
    assert [v.kind for v in violations] == ["forbidden_rule"]
    assert violations[0].message == "The text breaks the canon rule on line 34: Forbidden: magic of any kind; the coast has none."
    assert violations[0].subject == "magic"


def test_low_ignores_unknown_names(canon):
    assert kinds(ConsistencyChecker(canon, "low"), "Mira Holt greets Captain Zorgon.") == []


def test_medium_flags_unknown_names(canon):
    violations = ConsistencyChecker(canon, "medium").check("Mira Holt greets Captain Zorgon.")
    assert [v.subject for v in violations] == ["Captain Zorgon"]
    assert violations[0].message == "The name 'Captain Zorgon' is not a character or place of the canon."


def test_medium_accepts_names_from_facts(canon):
    checker = ConsistencyChecker(canon, "medium")
    assert kinds(checker, "Mira Holt greets Captain Zorgon.", ["Captain Zorgon sails in from the south."]) == []


def test_medium_accepts_canon_names(canon):
    checker = ConsistencyChecker(canon, "medium")
    assert kinds(checker, "At The Dark Lighthouse, Tobin Reed meets Sister Alder near Brackwater.") == []


def test_reworded_rule_only_at_high(canon):
    text = "The priest raised the dead baker at dawn."
    assert kinds(ConsistencyChecker(canon, "low"), text) == []
    assert kinds(ConsistencyChecker(canon, "medium"), text) == []
    assert kinds(ConsistencyChecker(canon, "high"), text) == ["forbidden_rule"]


def test_high_flags_negated_allowed_rule(canon):
    violations = ConsistencyChecker(canon, "high").check("Boats may not sail between dawn and dusk.")
    assert [v.kind for v in violations] == ["contradiction"]
    assert violations[0].message == "The text contradicts the canon rule on line 32: Allowed: Boats may sail only between dawn and dusk."


def test_high_flags_contradicted_fact(canon):
    facts = ["The harbour gate is open."]
    assert kinds(ConsistencyChecker(canon, "high"), "The harbour gate is not open.", facts) == ["contradiction"]
    assert kinds(ConsistencyChecker(canon, "low"), "The harbour gate is not open.", facts) == []


def test_high_accepts_consistent_text(canon):
    text = "Mira Holt pours tea while Tobin Reed mends a net at Brackwater."
    assert kinds(ConsistencyChecker(canon, "high"), text, ["The harbour gate is open."]) == []


def test_chinese_forbidden_phrase(zh_world):
    canon = load_canon(zh_world)
    assert kinds(ConsistencyChecker(canon, "low"), "阿竹在竹林里施展了法术。") == ["forbidden_rule"]


def test_chinese_reworded_rule_only_at_high(zh_world):
    canon = load_canon(zh_world)
    assert kinds(ConsistencyChecker(canon, "low"), "死者被复活了。") == []
    assert kinds(ConsistencyChecker(canon, "high"), "死者被复活了。") == ["forbidden_rule"]


def test_invalid_level_error(canon):
    with pytest.raises(ConsistencyError) as caught:
        ConsistencyChecker(canon, "extreme")
    assert str(caught.value) == "The consistency level 'extreme' is invalid. Set CONSISTENCY_CHECK_LEVEL or consistency.level to low, medium or high."
