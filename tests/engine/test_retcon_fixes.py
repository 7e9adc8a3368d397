"""A retcon replaces the facts derived from the retconned turn and keeps injected and pinned ones."""

from __future__ import annotations

import pytest

from loom_runtime.core import EngineSettings, SessionService
from loom_runtime.i18n import set_language

NEW_TEXT = "Tobin Reed sells a coil of rope at the Brackwater market. Tobin Reed whistles an old sea song."


@pytest.fixture(autouse=True)
def english():
    set_language("en")


@pytest.fixture
def played(sqlite_url, basic_world):
    service = SessionService(sqlite_url, EngineSettings(consistency_level="medium", handling_mode="strict"))
    session = service.create_session(basic_world, seed=11)
    for text in ("I walk to Brackwater.", "I greet Mira Holt.", "I look around."):
        service.play_turn(session.id, text)
    yield service, session.id
    service.close()


def _turn_id(service, session_id, index):
    return next(turn.id for turn in service.list_turns(session_id) if turn.turn_index == index)


def _facts_of(service, session_id, turn_id):
    return [(fact.content, fact.source) for fact in service.list_facts(session_id) if fact.turn_id == turn_id]


def test_retcon_replaces_derived_facts(played):
    service, session_id = played
    turn_id = _turn_id(service, session_id, 1)
    old = [content for content, source in _facts_of(service, session_id, turn_id) if source == "narration"]
    assert old, "the played turn derived no facts, so the retcon has nothing to replace"

    outcome = service.apply_intervention(session_id, "retcon", {"turn_index": 1, "narration": NEW_TEXT})
    assert outcome.status == "applied"
    assert _facts_of(service, session_id, turn_id) == [
        ("Tobin Reed sells a coil of rope at the Brackwater market.", "narration"),
        ("Tobin Reed whistles an old sea song.", "narration"),
    ]
    remaining = [fact.content for fact in service.list_facts(session_id)]
    for content in old:
        assert content not in remaining
    assert outcome.details["facts_removed"] == len(old)
    assert outcome.details["facts_added"] == [
        "Tobin Reed sells a coil of rope at the Brackwater market.", "Tobin Reed whistles an old sea song."]


def test_retcon_keeps_injected_and_pinned(played):
    service, session_id = played
    last = _turn_id(service, session_id, 3)
    service.apply_intervention(session_id, "inject_fact", {"content": "Mira Holt keeps a spare key."})
    service.apply_intervention(session_id, "inject_fact", {"content": "Sister Alder walks at dawn.", "pinned": True})

    outcome = service.apply_intervention(session_id, "retcon", {"turn_index": 3, "narration": NEW_TEXT})
    assert outcome.status == "applied"
    facts = {(fact.content, fact.source, fact.pinned) for fact in service.list_facts(session_id) if fact.turn_id == last}
    assert ("Mira Holt keeps a spare key.", "intervention", False) in facts
    assert ("Sister Alder walks at dawn.", "intervention", True) in facts
    assert ("Tobin Reed whistles an old sea song.", "narration", False) in facts


def test_rejected_retcon_keeps_facts(played):
    service, session_id = played
    turn_id = _turn_id(service, session_id, 1)
    before = _facts_of(service, session_id, turn_id)
    outcome = service.apply_intervention(session_id, "retcon", {"turn_index": 1, "narration": "Mira Holt works magic on the tide."})
    assert outcome.status == "rejected"
    assert _facts_of(service, session_id, turn_id) == before


def test_retconned_facts_not_recalled(played):
    service, session_id = played
    turn_id = _turn_id(service, session_id, 1)
    old = {content for content, source in _facts_of(service, session_id, turn_id) if source == "narration"}
    service.apply_intervention(session_id, "retcon", {"turn_index": 1, "narration": NEW_TEXT})
    result = service.play_turn(session_id, "I ask Tobin Reed about the rope at the market.")
    recalled = set(result.facts_used)
    assert recalled, "the turn recalled no facts at all"
    assert not old & recalled
    assert recalled & {"Tobin Reed sells a coil of rope at the Brackwater market.", "Tobin Reed whistles an old sea song."}
