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


# medium: names in English narration without false positives


@pytest.mark.parametrize("text", [
    "On Monday, Mira Holt walks to Brackwater.",
    "In March the storms come, and Tobin Reed waits until Friday.",
    "Mira Holt looks north. \"Welcome,\" she says. \"Come in.\"",
    "You nod. Then Tobin Reed smiles at Mr Reed's old boat.",
    "Suddenly the lamp goes out. Later, Sister Alder returns.",
    "The fog lifts—Quiet settles over Brackwater.",
])
def test_medium_ignores_ordinary_capitals(canon, text):
    assert kinds(ConsistencyChecker(canon, "medium"), text) == []


def test_medium_flags_name_at_sentence_start(canon):
    violations = ConsistencyChecker(canon, "medium").check("Jon Snow walks in. Mira Holt frowns.")
    assert [v.subject for v in violations] == ["Jon Snow"]


def test_medium_flags_name_after_weekday(canon):
    violations = ConsistencyChecker(canon, "medium").check("On Monday, Mira Holt meets Captain Zorgon.")
    assert [v.subject for v in violations] == ["Captain Zorgon"]


def test_medium_flags_name_after_quote(canon):
    violations = ConsistencyChecker(canon, "medium").check("\"Go,\" says Jon Snow to Mira Holt.")
    assert [v.subject for v in violations] == ["Jon Snow"]


# medium: names in Chinese narration


@pytest.fixture
def zh_canon(zh_world):
    return load_canon(zh_world)


@pytest.mark.parametrize("text, name", [
    ("一个名叫李四的商人走进了清风茶馆。", "李四"),
    ("竹林里走出一位老者，他自称王重阳。", "王重阳"),
    ("一个叫赵六的伙计跑了过来。", "赵六"),
    ("阿竹看了看门外。钱七低声说：“快走吧。”", "钱七"),
    ("林掌柜放下茶碗，孙八问道：“雨停了吗？”", "孙八"),
])
def test_medium_flags_chinese_unknown_name(zh_canon, text, name):
    violations = ConsistencyChecker(zh_canon, "medium").check(text)
    assert [v.kind for v in violations] == ["unknown_name"]
    assert violations[0].subject == name
    assert violations[0].message == f"The name '{name}' is not a character or place of the canon."


@pytest.mark.parametrize("text", [
    "阿竹说：“竹林里的路我最熟。”",
    "周捕头问：“昨夜谁在竹林里？”",
    "林掌柜一边擦着茶碗，一边低声说：昨夜竹林里又有人迷路了。",
    "他说：“走吧。”老人低声说：“小心。”大家笑道：“好。”",
    "一位陌生人说：“我只是路过。”",
    "有人叫喊起来，茶馆里一片混乱。",
    "雨停了，于是低声说：“该走了。”，接着问：“去哪儿？”",
    "客人们一边喝茶，一边低声说：“听说竹林里有怪事。”",
])
def test_medium_accepts_chinese_canon_and_common_words(zh_canon, text):
    assert kinds(ConsistencyChecker(zh_canon, "medium"), text) == []


def test_medium_accepts_chinese_name_from_facts(zh_canon):
    checker = ConsistencyChecker(zh_canon, "medium")
    assert kinds(checker, "一个名叫李四的商人走进了茶馆。", ["李四是从南边来的药商。"]) == []


def test_low_ignores_chinese_unknown_name(zh_canon):
    assert kinds(ConsistencyChecker(zh_canon, "low"), "一个名叫李四的商人走进了茶馆。") == []
