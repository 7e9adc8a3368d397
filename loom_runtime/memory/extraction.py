"""Deriving the facts a session remembers from a turn's narration, whatever the provider.

A fact is a sentence of the narration that states something about a character or place
of the canon. Questions to the player ("What do you do next?") and sentences that only
repeat a fact the turn was given are not new facts, so they are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from loom_runtime.consistency import text as textutil
from loom_runtime.rules.model import Canon

# An English sentence ends at . ! ? and a space, a Chinese one right after 。！？.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])|\n+")
_QUESTION_END = ("?", "？")
# Share of a remembered fact's content terms a sentence must contain to merely repeat it.
REPEAT_COVERAGE = 0.8
# Longer sentences are stored cut at this many characters, so one turn cannot flood memory.
MAX_FACT_CHARS = 300


def split_sentences(text: str) -> list[str]:
    """Return the non-empty sentences of ``text``, in order."""
    return [sentence.strip() for sentence in _SENTENCE_END.split(text) if sentence and sentence.strip()]


def derive_facts(narration: str, canon: Canon, remembered: Iterable[str] = (), limit: int = 5) -> tuple[str, ...]:
    """Return up to ``limit`` new facts stated by ``narration``, in narration order.

    ``remembered`` are the facts the turn was narrated with; a sentence that covers
    most of one of them restates it and is not a new fact.
    """
    names = [name.casefold() for name in canon.character_names() + canon.place_names() if name]
    remembered_terms = [terms for terms in (textutil.content_terms(fact) for fact in remembered) if terms]
    facts: list[str] = []
    for sentence in split_sentences(narration):
        if len(facts) >= limit:
            break
        if sentence.endswith(_QUESTION_END):
            continue
        folded = sentence.casefold()
        if not any(name in folded for name in names):
            continue
        if any(textutil.coverage(terms, sentence) >= REPEAT_COVERAGE for terms in remembered_terms):
            continue
        fact = sentence[:MAX_FACT_CHARS]
        if fact not in facts:
            facts.append(fact)
    return tuple(facts)
