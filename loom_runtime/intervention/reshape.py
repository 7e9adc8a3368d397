"""Adaptive handling: reshape a text that breaks the canon into one that keeps it.

Unknown names become an unnamed stranger, and every sentence that still breaks a rule
or contradicts a fact is dropped. The caller rejects the text when nothing is left or
when the reshaped text still fails the check.
"""

from __future__ import annotations

import re

from loom_runtime.consistency import ConsistencyChecker, Violation

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")
STRANGER = {"en": "a stranger", "zh": "一位陌生人"}


def reshape(text: str, violations: list[Violation], checker: ConsistencyChecker, facts: list[str]) -> str:
    """Return ``text`` reshaped to pass ``checker``; may be empty."""
    stranger = STRANGER.get(checker.canon.language, STRANGER["en"])
    for violation in violations:
        if violation.kind == "unknown_name":
            if checker.canon.language == "zh":
                text = _drop_chinese_introduction(text, violation.subject)
            text = text.replace(violation.subject, stranger)
    kept = [sentence for sentence in _sentences(text) if not checker.check(sentence, facts)]
    joiner = "" if checker.canon.language == "zh" else " "
    reshaped = joiner.join(kept).strip()
    if reshaped and reshaped[0].islower():
        reshaped = reshaped[0].upper() + reshaped[1:]
    return reshaped


def _drop_chinese_introduction(text: str, name: str) -> str:
    """Drop "名叫X的" and "个叫X的" around an unknown name: "一个名叫李四的药商" becomes "一个药商"."""
    escaped = re.escape(name)
    text = re.sub(f"(?:名叫|叫做|叫作|名为|名唤){escaped}的", "", text)
    return re.sub(f"(?<=[个位名])叫{escaped}的", "", text)


def _sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]
