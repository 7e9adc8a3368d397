import pytest
import sqlalchemy as sa

from loom_runtime.core.database import engine_for
from loom_runtime.memory import MemoryStore, relevant_facts, search_terms
from loom_runtime.memory.extraction import derive_facts
from loom_runtime.rules import load_canon


@pytest.fixture
def engine(database_url):
    engine = engine_for(database_url)
    yield engine
    engine.dispose()


def new_session(connection, session_id="s1"):
    store = MemoryStore(connection)
    store.create_session(session_id, "Test", "canon/default.md", 7)
    return store


def test_turns_round_trip(engine):
    with engine.begin() as connection:
        store = new_session(connection)
        store.add_turn("s1", 0, "", "Opening.", None)
        store.add_turn("s1", 1, "I look.", "You see the sea.", 4)
    with engine.connect() as connection:
        turns = MemoryStore(connection).list_turns("s1")
    assert [(t.turn_index, t.player_input, t.narration, t.token_count) for t in turns] == [(0, "", "Opening.", None), (1, "I look.", "You see the sea.", 4)]


def test_delete_turns_after_drops_their_facts(engine):
    with engine.begin() as connection:
        store = new_session(connection)
        kept = store.add_turn("s1", 1, "a", "A.", None)
        dropped = store.add_turn("s1", 2, "b", "B.", None)
        store.add_fact("s1", "kept fact", "narration", turn_id=kept.id)
        store.add_fact("s1", "dropped fact", "narration", turn_id=dropped.id)
        store.add_fact("s1", "free fact", "intervention")
        counts = store.delete_turns_after("s1", 1)
        remaining = [fact.content for fact in store.list_facts("s1")]
    assert counts == (1, 1)
    assert remaining == ["kept fact", "free fact"]


def test_pinned_facts_always_included(engine):
    with engine.begin() as connection:
        store = new_session(connection)
        store.add_fact("s1", "The well is poisoned.", "intervention", pinned=True, importance=0.1)
        for number in range(6):
            store.add_fact("s1", f"Event number {number}.", "narration", importance=0.3)
        facts = relevant_facts(store, "s1", "I drink from the river.", limit=2)
    assert facts[0].content == "The well is poisoned."
    assert facts[0].pinned is True
    assert len(facts) == 3


def test_retrieval_respects_limit_and_importance(engine):
    with engine.begin() as connection:
        store = new_session(connection)
        for number in range(5):
            store.add_fact("s1", f"Event number {number}.", "narration", importance=0.3)
        store.add_fact("s1", "The duke hides a map.", "intervention", importance=0.8)
        facts = relevant_facts(store, "s1", "I wait.", limit=3)
    assert len(facts) == 3
    assert facts[0].content == "The duke hides a map."


def test_retrieval_finds_matching_fact(engine):
    with engine.begin() as connection:
        store = new_session(connection)
        store.add_fact("s1", "The lighthouse keeper lost a brass compass.", "narration", importance=0.1)
        for number in range(8):
            store.add_fact("s1", f"A gull cried on morning {number}.", "narration", importance=0.5)
        facts = relevant_facts(store, "s1", "Where is the compass?", limit=2)
    assert "The lighthouse keeper lost a brass compass." in [fact.content for fact in facts]


def test_retrieval_finds_chinese_fact(engine):
    with engine.begin() as connection:
        store = new_session(connection)
        store.add_fact("s1", "周捕头丢了一把铜钥匙。", "narration", importance=0.1)
        for number in range(8):
            store.add_fact("s1", f"第{number}天早上下了雨。", "narration", importance=0.5)
        facts = relevant_facts(store, "s1", "我去找钥匙", limit=2)
    assert "周捕头丢了一把铜钥匙。" in [fact.content for fact in facts]


def test_facts_scoped_to_session(engine):
    with engine.begin() as connection:
        store = new_session(connection, "s1")
        store.create_session("s2", "Other", "canon/default.md", 1)
        store.add_fact("s2", "The compass belongs to s2.", "narration")
        facts = relevant_facts(store, "s1", "Where is the compass?", limit=5)
    assert facts == []


def test_release_recorded(engine):
    with engine.begin() as connection:
        store = MemoryStore(connection)
        store.record_release("1.1.0")
        store.record_release("1.1.0")
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT value FROM loom_meta WHERE key = 'release'")).all()
    assert rows == [("1.1.0",)]


def test_intervention_recorded(engine):
    with engine.begin() as connection:
        store = new_session(connection)
        record = store.record_intervention("s1", 2, "inject_fact", {"content": "雨停了"}, "applied")
        listed = store.list_interventions("s1")
    assert listed == [record]
    assert record.payload == '{"content": "雨停了"}'


def test_search_terms_mixed_text():
    terms = search_terms("I ask Mira Holt about 铜钥匙 today", ["Mira Holt", "Brackwater"])
    assert terms[0] == "Mira Holt"
    assert "today" in terms
    assert "铜钥" in terms


# Fact derivation from narration


def test_derive_facts_english(basic_world):
    canon = load_canon(basic_world)
    narration = ("The wind rises. Mira Holt hands you a brass key. Everyone here still remembers: Tobin Reed owes Mira Holt a favour. "
                 "Will you ask Tobin Reed about it? Sister Alder lights a candle at Brackwater.")
    facts = derive_facts(narration, canon, ["Tobin Reed owes Mira Holt a favour."], limit=5)
    assert facts == ("Mira Holt hands you a brass key.", "Sister Alder lights a candle at Brackwater.")


def test_derive_facts_limit(basic_world):
    canon = load_canon(basic_world)
    narration = "Mira Holt nods. Tobin Reed waves. Sister Alder smiles."
    assert derive_facts(narration, canon, limit=2) == ("Mira Holt nods.", "Tobin Reed waves.")
    assert derive_facts(narration, canon, limit=0) == ()


def test_derive_facts_chinese(zh_world):
    canon = load_canon(zh_world)
    narration = "雨停了。阿竹在竹林里找到了一把铜钥匙！这里的人都还记得：周捕头丢了钥匙。你接下来做什么？"
    assert derive_facts(narration, canon, ["周捕头丢了钥匙。"]) == ("阿竹在竹林里找到了一把铜钥匙！",)
