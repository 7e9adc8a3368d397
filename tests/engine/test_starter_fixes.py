"""The starter canon that ``loom init`` writes obeys its own rules, in both languages."""

from __future__ import annotations

import pytest

from loom_runtime.consistency import ConsistencyChecker
from loom_runtime.rules import load_canon, starter_canon

# The starter rule lets ships arrive only with the morning tide; these words place an
# arrival at another time of day.
OTHER_TIMES = {"en": ("sunset", "sun sets", "evening", "dusk", "night"), "zh": ("夕阳", "日落", "傍晚", "黄昏", "夜")}
RULE = {"en": "Allowed: Ships arrive only with the morning tide.", "zh": "允许：船只只在早潮时进港。"}
MORNING_TIDE = {"en": "morning tide", "zh": "早潮"}


@pytest.fixture(params=["en", "zh"])
def canon(request, tmp_path):
    path = tmp_path / "default.md"
    path.write_text(starter_canon(request.param), encoding="utf-8")
    return request.param, load_canon(path)


def test_opening_passes_high_check(canon):
    _language, parsed = canon
    assert ConsistencyChecker(parsed, "high").check(parsed.opening, []) == []


def test_opening_ship_arrives_with_morning_tide(canon):
    language, parsed = canon
    assert RULE[language] in starter_canon(language)
    assert MORNING_TIDE[language] in parsed.opening
    for word in OTHER_TIMES[language]:
        assert word not in parsed.opening, word
