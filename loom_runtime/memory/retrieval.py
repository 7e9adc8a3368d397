"""Choosing the remembered facts relevant to a turn.

Pinned facts are always included. Up to ``limit`` more come first from the storage
layer's full-text search for the turn's terms: canon names mentioned, longer words, and
Chinese character pairs (Chinese has no spaces between words). The rest of ``limit`` is
filled with the most important and newest remaining facts, so that a fact injected a
few turns earlier is still recalled when the player does not name it.
"""

from __future__ import annotations

import re

from loom_runtime.memory.records import FactRecord
from loom_runtime.memory.store import MemoryStore
from loom_runtime.storage.search import search_facts

_WORD = re.compile(r"[^\W\d_]{4,}")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
MAX_TERMS = 8


def search_terms(text: str, names: list[str]) -> list[str]:
    """Return up to MAX_TERMS search terms for ``text``, canon names first."""
    folded = text.casefold()
    terms = [name for name in names if name.casefold() in folded]
    terms += [word for word in _WORD.findall(text) if not _CJK_RUN.fullmatch(word)]
    for run in _CJK_RUN.findall(text):
        terms += [run[i : i + 2] for i in range(len(run) - 1)]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def relevant_facts(store: MemoryStore, session_id: str, text: str, limit: int, names: list[str] | None = None) -> list[FactRecord]:
    """Return the pinned facts, then up to ``limit`` facts relevant to ``text``."""
    chosen: dict[int, FactRecord] = {fact.id: fact for fact in store.pinned_facts(session_id)}
    budget = limit

    found_ids: list[int] = []
    for term in search_terms(text, names or []):
        if len(found_ids) >= budget:
            break
        for fact_id in _search(store, session_id, term, budget):
            if fact_id not in chosen and fact_id not in found_ids:
                found_ids.append(fact_id)
    for fact in store.facts_by_id(found_ids[:budget]):
        chosen[fact.id] = fact

    remaining = budget - len(found_ids[:budget])
    if remaining > 0:
        for fact in store.important_facts(session_id, remaining + len(chosen)):
            if fact.id not in chosen and remaining > 0:
                chosen[fact.id] = fact
                remaining -= 1
    pinned = [fact for fact in chosen.values() if fact.pinned]
    # Stable sort: among equally important facts the search ranking is kept.
    others = sorted((fact for fact in chosen.values() if not fact.pinned), key=lambda fact: -fact.importance)
    return pinned + others


def _search(store: MemoryStore, session_id: str, term: str, limit: int) -> list[int]:
    # One term per call: search_facts requires every whitespace-separated term to match.
    return [row.id for row in search_facts(store.connection, session_id, term, limit)]
