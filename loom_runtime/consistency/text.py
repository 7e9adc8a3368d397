"""Text helpers for consistency checks: terms, stems, negation, for English and Chinese."""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_STOPWORDS = frozenset(
    "a an the of to in on at by for with and or but is are was were be been being it its "
    "this that these those any all some no not never can could may might must will would "
    "shall should do does did has have had as from into".split()
)
_NEGATIONS_EN = ("not", "never", "no", "cannot", "can't", "isn't", "aren't", "wasn't", "weren't", "doesn't", "don't", "didn't", "won't")
_NEGATIONS_ZH = ("没有", "不是", "不会", "不能", "没", "不", "未", "无")
# A stem of this many letters stands for a word and its inflections ("raise", "raised").
STEM_LENGTH = 4


def contains_phrase(text: str, phrase: str) -> bool:
    """Return True when ``phrase`` occurs in ``text``, ignoring case and runs of spaces."""
    return _squash(phrase) in _squash(text)


def content_terms(text: str) -> set[str]:
    """Return the stems of English content words and the character pairs of Chinese runs."""
    terms = {word.casefold()[:STEM_LENGTH] for word in _WORD.findall(text) if word.casefold() not in _STOPWORDS}
    for run in _CJK_RUN.findall(text):
        stripped = run
        for negation in _NEGATIONS_ZH:
            stripped = stripped.replace(negation, "")
        terms.update(stripped[i : i + 2] for i in range(len(stripped) - 1))
        if len(stripped) == 1:
            terms.add(stripped)
    return terms


def coverage(needle_terms: set[str], text: str) -> float:
    """Return the share of ``needle_terms`` that occur in ``text``."""
    if not needle_terms:
        return 0.0
    return len(needle_terms & content_terms(text)) / len(needle_terms)


def is_negated(text: str) -> bool:
    words = {word.casefold() for word in _WORD.findall(text)}
    if words & set(_NEGATIONS_EN):
        return True
    return any(negation in text for negation in _NEGATIONS_ZH)


def capitalised_names(text: str) -> list[str]:
    """Return runs of capitalised English words that do not start a sentence."""
    names: list[str] = []
    for sentence in re.split(r"(?<=[.!?:;])\s+|\n+", text):
        words = sentence.split()
        run: list[str] = []
        for position, raw in enumerate(words):
            word = raw.strip(",.!?;:\"'()[]“”*_")
            capitalised = bool(word) and word[0].isupper() and word.isalpha()
            if capitalised and position > 0:
                run.append(word)
                continue
            if run:
                names.append(" ".join(run))
            run = []
        if run:
            names.append(" ".join(run))
    return names


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()
