import json

import pytest
import sqlalchemy as sa

from loom_runtime.core import EngineSettings, InvalidRequestError, SessionService
from loom_runtime.i18n import set_language


@pytest.fixture(autouse=True)
def english():
    set_language("en")


def service_for(url, level="medium", mode="strict"):
    return SessionService(url, EngineSettings(consistency_level=level, handling_mode=mode))


@pytest.fixture
def played(sqlite_url, basic_world):
    """A strict, medium-level service with a session of three played turns."""
    service = service_for(sqlite_url)
    session = service.create_session(basic_world, seed=11)
    for text in ("I walk to Brackwater.", "I greet Mira Holt.", "I look around."):
        service.play_turn(session.id, text)
    yield service, session.id
    service.close()


def stored_interventions(url):
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT kind, status, payload, turn_index FROM interventions ORDER BY id")).all()
    engine.dispose()
    return rows


def test_high_rejects_what_low_allows(sqlite_url, basic_world):
    fact = "Sister Alder raised the dead fisherman."
    statuses = {}
    for level in ("low", "high"):
        service = service_for(sqlite_url, level=level)
        session = service.create_session(basic_world, seed=1)
        statuses[level] = service.apply_intervention(session.id, "inject_fact", {"content": fact}).status
        service.close()
    assert statuses == {"low": "applied", "high": "rejected"}


def test_strict_rejection_changes_nothing(played, sqlite_url):
    service, session_id = played
    before = [fact.content for fact in service.list_facts(session_id)]
    outcome = service.apply_intervention(session_id, "inject_fact", {"content": "Mira Holt works magic on the tide."})
    assert outcome.status == "rejected"
    assert outcome.reasons == ("The text breaks the canon rule on line 34: Forbidden: magic of any kind; the coast has none.",)
    assert [fact.content for fact in service.list_facts(session_id)] == before
    kind, status, payload, _turn = stored_interventions(sqlite_url)[-1]
    assert (kind, status) == ("inject_fact", "rejected")
    assert json.loads(payload)["reasons"] == list(outcome.reasons)


def test_adaptive_reshapes_fact(sqlite_url, basic_world):
    service = service_for(sqlite_url, mode="adaptive")
    session = service.create_session(basic_world, seed=1)
    text = "Mira Holt hides a key at Brackwater. Captain Zorgon works magic on the tide."
    outcome = service.apply_intervention(session.id, "inject_fact", {"content": text})
    facts = [fact.content for fact in service.list_facts(session.id)]
    service.close()
    assert outcome.status == "adapted"
    assert outcome.details["adapted"] == "Mira Holt hides a key at Brackwater."
    assert facts == ["Mira Holt hides a key at Brackwater."]
    payload = json.loads(stored_interventions(sqlite_url)[-1][2])
    assert payload["content"] == text
    assert payload["adapted"] == "Mira Holt hides a key at Brackwater."


def test_adaptive_replaces_unknown_name(sqlite_url, basic_world):
    service = service_for(sqlite_url, mode="adaptive")
    session = service.create_session(basic_world, seed=1)
    outcome = service.apply_intervention(session.id, "inject_fact", {"content": "Mira Holt meets Captain Zorgon at Brackwater."})
    service.close()
    assert outcome.status == "adapted"
    assert outcome.details["adapted"] == "Mira Holt meets a stranger at Brackwater."


def test_adaptive_rejects_when_nothing_remains(sqlite_url, basic_world):
    service = service_for(sqlite_url, mode="adaptive")
    session = service.create_session(basic_world, seed=1)
    outcome = service.apply_intervention(session.id, "inject_fact", {"content": "Everyone learns magic."})
    service.close()
    assert outcome.status == "rejected"


def test_retcon_replaces_narration(played, sqlite_url):
    service, session_id = played
    outcome = service.apply_intervention(session_id, "retcon", {"turn_index": 2, "narration": "Mira Holt shrugs and turns away."})
    turns = {turn.turn_index: turn.narration for turn in service.list_turns(session_id)}
    assert outcome.status == "applied"
    assert turns[2] == "Mira Holt shrugs and turns away."
    assert stored_interventions(sqlite_url)[-1][3] == 2


def test_strict_retcon_rejected(played):
    service, session_id = played
    original = {turn.turn_index: turn.narration for turn in service.list_turns(session_id)}[2]
    outcome = service.apply_intervention(session_id, "retcon", {"turn_index": 2, "narration": "Mira Holt casts magic."})
    assert outcome.status == "rejected"
    assert {turn.turn_index: turn.narration for turn in service.list_turns(session_id)}[2] == original


def test_rewind_drops_later_turns_and_facts(played):
    service, session_id = played
    turn_ids = {turn.turn_index: turn.id for turn in service.list_turns(session_id)}
    before = service.list_facts(session_id)
    kept = [fact.content for fact in before if fact.turn_id == turn_ids[1]]
    later = [fact for fact in before if fact.turn_id in (turn_ids[2], turn_ids[3])]
    outcome = service.apply_intervention(session_id, "rewind", {"turn_index": 1})
    turns = service.list_turns(session_id)
    facts = service.list_facts(session_id)
    assert later
    assert outcome.status == "applied"
    assert outcome.details == {"turns_removed": 2, "facts_removed": len(later)}
    assert [turn.turn_index for turn in turns] == [0, 1]
    assert {fact.turn_id for fact in facts} == {turns[1].id}
    assert [fact.content for fact in facts] == kept
    assert "Brackwater" in facts[0].content
    assert service.play_turn(session_id, "I try again.").turn_index == 2


def test_rewind_missing_turn_error(played):
    service, session_id = played
    with pytest.raises(InvalidRequestError) as caught:
        service.apply_intervention(session_id, "rewind", {"turn_index": 9})
    assert str(caught.value) == "The session has no turn 9 to rewind to. List the turns and pick an existing turn_index."


def test_unknown_kind_error(played):
    service, session_id = played
    with pytest.raises(InvalidRequestError) as caught:
        service.apply_intervention(session_id, "undo", {})
    assert str(caught.value) == "The intervention kind 'undo' is unknown. Use one of: retcon, inject_fact, rewind."


@pytest.mark.parametrize("value", [None, -1, "2", True])
def test_bad_turn_index_error(played, value):
    service, session_id = played
    with pytest.raises(InvalidRequestError) as caught:
        service.apply_intervention(session_id, "retcon", {"turn_index": value, "narration": "x"})
    assert str(caught.value) == f"The field 'turn_index' must be a whole number of 0 or more, not {value}. Give the index of an existing turn."


def test_empty_fact_error(played):
    service, session_id = played
    with pytest.raises(InvalidRequestError) as caught:
        service.apply_intervention(session_id, "inject_fact", {"content": "  "})
    assert str(caught.value) == "The field 'content' is missing or empty. Give the text of the intervention in 'content'."


def test_adaptive_replaces_chinese_unknown_name(sqlite_url, zh_world):
    service = service_for(sqlite_url, mode="adaptive")
    session = service.create_session(zh_world, seed=1)
    outcome = service.apply_intervention(session.id, "inject_fact", {"content": "阿竹在竹林里遇见了一个名叫李四的药商。"})
    service.close()
    assert outcome.status == "adapted"
    assert outcome.details["adapted"] == "阿竹在竹林里遇见了一个药商。"


def test_adaptive_replaces_chinese_speaker(sqlite_url, zh_world):
    service = service_for(sqlite_url, mode="adaptive")
    session = service.create_session(zh_world, seed=1)
    outcome = service.apply_intervention(session.id, "inject_fact", {"content": "钱七说：“我在竹林里见过阿竹。”"})
    service.close()
    assert outcome.status == "adapted"
    assert outcome.details["adapted"] == "一位陌生人说：“我在竹林里见过阿竹。”"


def test_strict_rejects_chinese_unknown_name(sqlite_url, zh_world):
    service = service_for(sqlite_url, mode="strict")
    session = service.create_session(zh_world, seed=1)
    outcome = service.apply_intervention(session.id, "inject_fact", {"content": "钱七说：“我在竹林里见过阿竹。”"})
    facts = service.list_facts(session.id)
    service.close()
    assert outcome.status == "rejected"
    assert list(outcome.reasons) == ["The name '钱七' is not a character or place of the canon."]
    assert facts == []
