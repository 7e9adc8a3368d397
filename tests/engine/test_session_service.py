import pytest
import sqlalchemy as sa

from loom_runtime import __version__
from loom_runtime.core import EngineSettings, InvalidRequestError, SessionNotFoundError, SessionService, TurnLimitError
from loom_runtime.i18n import set_language
from loom_runtime.rules import CanonError

INPUTS = ("I walk to Brackwater.", "I greet Mira Holt.", "I look around.", "I wait.")


@pytest.fixture(autouse=True)
def english():
    set_language("en")


@pytest.fixture
def service(database_url):
    service = SessionService(database_url, EngineSettings())
    yield service
    service.close()
    service.engine.dispose()


def play_all(service, canon, seed):
    session = service.create_session(canon, seed=seed)
    return [service.play_turn(session.id, text).narration for text in INPUTS]


def test_session_starts_with_opening(service, basic_world):
    session = service.create_session(basic_world, seed=5)
    turns = service.list_turns(session.id)
    assert session.title == "The Salt Coast"
    assert session.seed == 5
    assert session.turn_count == 1
    assert [(t.turn_index, t.player_input) for t in turns] == [(0, "")]
    assert turns[0].narration.startswith("Fog rolls in over Brackwater")


def test_turn_loop_deterministic_for_seed(service, basic_world):
    first = play_all(service, basic_world, seed=42)
    second = play_all(service, basic_world, seed=42)
    assert first == second
    assert all(text.strip() for text in first)


def test_turn_indexes_contiguous(service, basic_world):
    session = service.create_session(basic_world, seed=3)
    results = [service.play_turn(session.id, text) for text in INPUTS]
    assert [result.turn_index for result in results] == [1, 2, 3, 4]
    assert [turn.turn_index for turn in service.list_turns(session.id)] == [0, 1, 2, 3, 4]


def test_narration_uses_fact_injected_earlier(service, basic_world):
    session = service.create_session(basic_world, seed=9)
    service.play_turn(session.id, INPUTS[0])
    fact = "Tobin Reed hid the lamp-room key under a loose stone."
    assert service.apply_intervention(session.id, "inject_fact", {"content": fact}).status == "applied"
    service.play_turn(session.id, INPUTS[1])
    later = service.play_turn(session.id, INPUTS[2])
    assert fact in later.facts_used
    assert fact.rstrip(".") in later.narration


def test_chinese_session(service, zh_world):
    session = service.create_session(zh_world, seed=2)
    service.apply_intervention(session.id, "inject_fact", {"content": "周捕头丢了一把铜钥匙。"})
    service.play_turn(session.id, "我走进茶馆。")
    result = service.play_turn(session.id, "我去找钥匙。")
    assert "周捕头丢了一把铜钥匙" in result.narration
    # The sentence that repeats the injected fact is not a new fact; the others name the canon.
    assert result.new_facts
    assert all("周捕头丢了一把铜钥匙" not in fact for fact in result.new_facts)
    assert all(fact in result.narration for fact in result.new_facts)
    assert [fact.content for fact in service.list_facts(session.id)][-len(result.new_facts):] == list(result.new_facts)


def test_release_written_to_loom_meta(service, basic_world):
    service.create_session(basic_world, seed=1)
    with service.engine.connect() as connection:
        value = connection.execute(sa.text("SELECT value FROM loom_meta WHERE key = 'release'")).scalar()
    assert value == __version__


def test_unknown_session_error(service):
    with pytest.raises(SessionNotFoundError) as caught:
        service.play_turn("no-such-id", "hello")
    assert str(caught.value) == "No session has the id no-such-id. Create a session first, or check the id."


def test_empty_input_error(service, basic_world):
    session = service.create_session(basic_world, seed=1)
    with pytest.raises(InvalidRequestError) as caught:
        service.play_turn(session.id, "   ")
    assert str(caught.value) == "The turn input is empty. Send the player's action as non-empty text in 'input'."


def test_turn_limit_error(sqlite_url, basic_world):
    service = SessionService(sqlite_url, EngineSettings(max_turns=2))
    session = service.create_session(basic_world, seed=1)
    service.play_turn(session.id, INPUTS[0])
    service.play_turn(session.id, INPUTS[1])
    with pytest.raises(TurnLimitError) as caught:
        service.play_turn(session.id, INPUTS[2])
    assert str(caught.value) == "The session has reached the limit of 2 turns. Start a new session, or raise interpreter.max_turns in the config."


def test_missing_canon_error(sqlite_url, tmp_path):
    service = SessionService(sqlite_url, EngineSettings(), home=tmp_path)
    with pytest.raises(CanonError) as caught:
        service.create_session("canon/none.md")
    assert str(caught.value).startswith(f"{tmp_path / 'canon/none.md'}: The canon file does not exist.")


def test_relative_canon_resolved_from_home(sqlite_url, tmp_path, basic_world):
    (tmp_path / "canon").mkdir()
    (tmp_path / "canon" / "default.md").write_text(basic_world.read_text(encoding="utf-8"), encoding="utf-8")
    service = SessionService(sqlite_url, EngineSettings(), home=tmp_path)
    session = service.create_session("canon/default.md", seed=1)
    assert service.get_session(session.id).canon_path == "canon/default.md"
    assert service.play_turn(session.id, INPUTS[0]).turn_index == 1


def test_settings_from_config_and_env():
    config = {"consistency": {"level": "low"}, "intervention": {"handling_mode": "strict"}, "memory": {"retrieval_limit": 3, "max_facts_per_turn": 2}}
    settings = EngineSettings.from_config(config, environ={"CONSISTENCY_CHECK_LEVEL": "high", "INTERVENTION_HANDLING_MODE": "adaptive"})
    assert settings.consistency_level == "high"
    assert settings.handling_mode == "adaptive"
    assert settings.retrieval_limit == 3


def test_settings_invalid_mode_error():
    from loom_runtime.core import SettingsError

    with pytest.raises(SettingsError) as caught:
        EngineSettings(handling_mode="lenient")
    assert str(caught.value) == "The intervention handling mode 'lenient' is invalid. Set INTERVENTION_HANDLING_MODE or intervention.handling_mode to strict or adaptive."


def test_concurrent_turns_get_distinct_indexes(service, basic_world):
    import threading

    session = service.create_session(basic_world, seed=1)
    errors = []

    def play(worker):
        for number in range(4):
            try:
                service.play_turn(session.id, f"I act {worker}-{number}.")
            except Exception as exc:  # collected so the assert below shows it
                errors.append(exc)

    threads = [threading.Thread(target=play, args=(worker,)) for worker in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    indexes = [turn.turn_index for turn in service.list_turns(session.id)]
    assert errors == []
    assert indexes == list(range(13))


def test_get_session_without_canon_file(sqlite_url, tmp_path, basic_world):
    canon = tmp_path / "world.md"
    canon.write_text(basic_world.read_text(encoding="utf-8"), encoding="utf-8")
    service = SessionService(sqlite_url, EngineSettings())
    session = service.create_session(canon, seed=1)
    canon.unlink()
    view = service.get_session(session.id)
    assert view.opening.startswith("Fog rolls in over Brackwater")
    assert view.turn_count == 1
