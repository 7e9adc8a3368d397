"""Checks of narration and interventions against the canon, at a configured level.

- ``low``: a Forbidden rule's phrase appears word for word (ignoring case).
- ``medium``: also a name that is neither in the canon nor in a remembered fact. English
  names are runs of capitalised words that do not start a sentence; weekdays, months,
  titles and similar capitalised words are not names. Chinese has no capitals, so a
  Chinese name is one the text introduces ("名叫X", "叫做X", "一个叫X的") or lets speak
  ("X说：") and that no canon text or fact contains.
- ``high``: also a text that covers most content words of a Forbidden rule even when
  worded differently, or that negates an Allowed rule or an earlier fact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from loom_runtime.consistency import text as textutil
from loom_runtime.i18n import _
from loom_runtime.rules.model import Canon, Rule

LEVELS = ("low", "medium", "high")
# Share of a rule's content terms a text must contain to be about that rule, at "high".
RULE_COVERAGE = 0.6
# Share of a fact's content terms two facts must share to be about the same thing.
FACT_COVERAGE = 0.8

# Capitalised words that are ordinary English, not names, when they appear mid-sentence.
_COMMON_CAPITALISED = frozenset(
    "I OK Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July "
    "August September October November December North South East West Mr Mrs Ms Miss Dr Sir Madam Lady Lord "
    "Captain Master Mistress God Heaven Hell English Chinese".split()
)


@dataclass(frozen=True)
class Violation:
    """One way a text breaks the canon: ``kind`` is forbidden_rule, unknown_name or contradiction."""

    kind: str
    message: str
    # The part of the text at fault (a phrase or a name), used to reshape it.
    subject: str
    rule_line: int | None = None


class ConsistencyError(ValueError):
    """The configured consistency level is not low, medium or high."""


class ConsistencyChecker:
    """Finds the violations of the canon in a text, at one level."""

    def __init__(self, canon: Canon, level: str = "medium") -> None:
        if level not in LEVELS:
            raise ConsistencyError(
                _("The consistency level '{level}' is invalid.").format(level=level)
                + " "
                + _("Set CONSISTENCY_CHECK_LEVEL or consistency.level to low, medium or high.")
            )
        self.canon = canon
        self.level = level
        self._vocabulary = _canon_vocabulary(canon)
        self._canon_text = "\n".join(_canon_parts(canon))
        self._names = [name for name in canon.character_names() + canon.place_names() if len(name) >= 2]

    def check(self, text: str, facts: Iterable[str] = ()) -> list[Violation]:
        """Return every violation of ``text``; ``facts`` are the session's remembered facts."""
        facts = list(facts)
        found = self._forbidden_phrases(text)
        if self.level in ("medium", "high"):
            found += self._unknown_names(text, facts)
        if self.level == "high":
            found += self._reworded_forbidden(text, already={v.rule_line for v in found})
            found += self._negated_allowed(text)
            found += self._contradicted_facts(text, facts)
        return found

    # low

    def _forbidden_phrases(self, text: str) -> list[Violation]:
        found = []
        for rule in self.canon.forbidden_rules:
            for phrase in rule.phrases:
                if textutil.contains_phrase(text, phrase):
                    found.append(_forbidden(rule, phrase))
                    break
        return found

    # medium

    def _unknown_names(self, text: str, facts: list[str]) -> list[Violation]:
        found = [self._unknown(name) for name in self._unknown_english_names(text, facts)]
        found += [self._unknown(name) for name in self._unknown_chinese_names(text, facts)]
        return found

    def _unknown_english_names(self, text: str, facts: list[str]) -> list[str]:
        known = set(self._vocabulary)
        for fact in facts:
            known.update(word.strip(",.!?;:\"'()[]“”*_").casefold() for word in fact.split())
        unknown = []
        for name in dict.fromkeys(textutil.capitalised_names(text)):
            words = [word for word in name.split() if word not in _COMMON_CAPITALISED]
            if words and any(word.casefold() not in known for word in words):
                unknown.append(name)
        return unknown

    def _unknown_chinese_names(self, text: str, facts: list[str]) -> list[str]:
        """Return introduced Chinese names that appear in no canon text and no fact."""
        sources = [self._canon_text, *facts]
        unknown = []
        for name in textutil.chinese_names(text):
            if any(name in source for source in sources):
                continue
            # A title or suffix around a canon name ("周捕头" for "周捕头", "阿竹姐" for "阿竹") is known.
            if any(known and known in name for known in self._names):
                continue
            unknown.append(name)
        return unknown

    def _unknown(self, name: str) -> Violation:
        message = _("The name '{name}' is not a character or place of the canon.").format(name=name)
        return Violation("unknown_name", message, name)

    # high

    def _reworded_forbidden(self, text: str, already: set[int | None]) -> list[Violation]:
        found = []
        for rule in self.canon.forbidden_rules:
            if rule.line in already:
                continue
            for phrase in rule.phrases:
                terms = textutil.content_terms(phrase)
                if len(terms) >= 2 and textutil.coverage(terms, text) >= RULE_COVERAGE:
                    found.append(_forbidden(rule, phrase))
                    break
        return found

    def _negated_allowed(self, text: str) -> list[Violation]:
        found = []
        for rule in self.canon.allowed_rules:
            terms = textutil.content_terms(rule.text)
            if len(terms) >= 2 and textutil.coverage(terms, text) >= FACT_COVERAGE and textutil.is_negated(text) != textutil.is_negated(rule.text):
                message = _("The text contradicts the canon rule on line {line}: Allowed: {rule}").format(line=rule.line, rule=rule.text)
                found.append(Violation("contradiction", message, rule.text, rule.line))
        return found

    def _contradicted_facts(self, text: str, facts: list[str]) -> list[Violation]:
        found = []
        for fact in facts:
            terms = textutil.content_terms(fact)
            if len(terms) < 2 or textutil.is_negated(text) == textutil.is_negated(fact):
                continue
            if textutil.coverage(terms, text) >= FACT_COVERAGE:
                message = _("The text contradicts the remembered fact: {fact}").format(fact=fact)
                found.append(Violation("contradiction", message, fact))
        return found


def _forbidden(rule: Rule, phrase: str) -> Violation:
    message = _("The text breaks the canon rule on line {line}: Forbidden: {rule}").format(line=rule.line, rule=rule.text)
    return Violation("forbidden_rule", message, phrase, rule.line)


def _canon_parts(canon: Canon) -> list[str]:
    parts = [canon.title, canon.world, canon.opening, canon.notes]
    parts += [f"{e.name} {e.description}" for e in canon.characters + canon.places]
    parts += [rule.text for rule in canon.rules]
    return parts


def _canon_vocabulary(canon: Canon) -> set[str]:
    words: set[str] = set()
    for part in _canon_parts(canon):
        words.update(word.strip(",.!?;:\"'()[]“”*_").casefold() for word in part.split())
    return words
