import pytest
import sqlalchemy as sa

from loom_runtime.core import EngineSettings, run_scripted_session
from loom_runtime.i18n import set_language
from loom_runtime.rules import STARTER_CANON, CanonError

INVARIANTS = [
    "fact_injected",
    "injected_fact_recalled",
    "canon_rule_enforced",
    "retcon_replaces_narration",
    "rewind_removes_turns",
    "turn_indexes_contiguous",
    "narration_non_empty",
    "narration_consistent",
    "deterministic_for_seed",
]


@pytest.fixture(autouse=True)
def english():
    set_language("en")


@pytest.mark.parametrize("level", ["low", "medium", "high"])
def test_basic_world_passes(sqlite_url, basic_world, level):
    result = run_scripted_session(basic_world, EngineSettings(consistency_level=level), sqlite_url)
    assert result.broken == []
    assert result.checked == INVARIANTS
    assert result.turns_played == 9


def test_chinese_world_passes(sqlite_url, zh_world):
    result = run_scripted_session(zh_world, EngineSettings(handling_mode="adaptive"), sqlite_url)
    assert result.broken == []
    assert result.ok


def test_starter_canon_passes(sqlite_url, tmp_path):
    canon = tmp_path / "default.md"
    canon.write_text(STARTER_CANON, encoding="utf-8")
    result = run_scripted_session(canon, None, sqlite_url)
    assert result.broken == []


def test_temporary_database_when_none(basic_world):
    result = run_scripted_session(basic_world, EngineSettings())
    assert result.ok
    assert result.turns_played == 9


def test_given_database_left_clean(sqlite_url, basic_world):
    run_scripted_session(basic_world, EngineSettings(), sqlite_url)
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as connection:
        counts = [connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() for table in ("narrative_sessions", "narrative_turns", "memory_facts", "interventions")]
        release = connection.execute(sa.text("SELECT value FROM loom_meta WHERE key = 'release'")).scalar()
    engine.dispose()
    assert counts == [0, 0, 0, 0]
    assert release is not None


def test_canon_without_forbidden_rules(sqlite_url, tmp_path):
    canon = tmp_path / "plain.md"
    canon.write_text("---\ntitle: Plain\n---\n\n## Characters\n\n- Ana: a baker\n\n## Opening\n\nBread is baking.\n", encoding="utf-8")
    result = run_scripted_session(canon, EngineSettings(), sqlite_url)
    assert result.broken == []
    assert "canon_rule_enforced" not in result.checked


def test_malformed_canon_raises(sqlite_url, tmp_path):
    canon = tmp_path / "broken.md"
    canon.write_text("## World\n\nNothing starts here.\n", encoding="utf-8")
    with pytest.raises(CanonError) as caught:
        run_scripted_session(canon, EngineSettings(), sqlite_url)
    assert "The canon has no Opening section." in str(caught.value)


def test_broken_invariant_reported(sqlite_url, basic_world, monkeypatch):
    from loom_runtime.interpretation import offline

    # A provider that ignores remembered facts must break the recall invariant.
    monkeypatch.setattr(offline.OfflineProvider, "narrate", _narrate_without_facts(offline.OfflineProvider.narrate))
    result = run_scripted_session(basic_world, EngineSettings(), sqlite_url)
    assert [invariant.name for invariant in result.broken] == ["injected_fact_recalled"]
    assert result.broken[0].message == "The fact injected two turns earlier does not appear in the narration of turn 5."
    assert not result.ok


def _narrate_without_facts(original):
    from dataclasses import replace

    def narrate(self, request):
        return original(self, replace(request, facts=()))

    return narrate


@pytest.mark.parametrize("canon", ["basic_world", "zh_world"])
def test_basic_mode_passes(sqlite_url, canon, request):
    result = run_scripted_session(request.getfixturevalue(canon), EngineSettings(interpreter_mode="basic"), sqlite_url)
    assert result.broken == []
    assert result.checked == [name if name != "injected_fact_recalled" else "basic_mode_recalls_no_facts" for name in INVARIANTS]
