"""rows_written_since: what a rollback to a backup would discard."""

from __future__ import annotations

import sqlite3

from loom_upgrade.backup import create_backup, rows_written_since
from loom_upgrade.home import detect_home


def _backup(home, tmp_path):
    state = detect_home(home, probe_venv=False, with_tables=False)
    info = create_backup(home, state_dir=tmp_path / "state", db_url=state.db_url,
                         release=state.release, db_revision=state.db_revision)
    return info, state.db_url


def test_no_writes_after_backup(make_home, tmp_path):
    info, url = _backup(make_home("1.0.0", turns=30), tmp_path)

    assert rows_written_since(info, url) == []


def test_new_and_updated_rows_are_reported(make_home, tmp_path):
    home = make_home("1.0.0", turns=30)
    info, url = _backup(home, tmp_path)
    connection = sqlite3.connect(home / "data" / "loom.db")
    session_id = connection.execute("SELECT id FROM narrative_sessions ORDER BY id LIMIT 1").fetchone()[0]
    connection.execute(
        "INSERT INTO narrative_turns(session_id, turn_index, player_input, narration, created_at) "
        "VALUES (?, 999, 'look', 'You see the sea.', '2030-01-01 00:00:00')", (session_id,))
    connection.execute("UPDATE narrative_sessions SET updated_at = '2030-01-01 00:00:00' WHERE id = ?", (session_id,))
    connection.commit()
    connection.close()

    writes = {w.table: w for w in rows_written_since(info, url)}

    assert set(writes) == {"narrative_turns", "narrative_sessions"}
    assert writes["narrative_turns"].new_rows == 1
    assert writes["narrative_turns"].rows_now == writes["narrative_turns"].rows_at_backup + 1
    assert writes["narrative_sessions"].updated_rows == 1
    assert writes["narrative_sessions"].new_rows == 0
    assert writes["narrative_turns"].message().startswith("narrative_turns: 1 rows added and 0 rows updated")


def test_renamed_tables_match_their_old_names(make_home, tmp_path):
    from loom_migrations import runner

    home = make_home("0.9.3", turns=20)
    info, url = _backup(home, tmp_path)
    runner.upgrade(url, "0102")
    rules = {
        "narrative_sessions": {"renamed_from": "game_sessions"},
        "narrative_turns": {"renamed_from": "game_turns"},
        "memory_facts": {"renamed_from": "game_facts"},
        "interventions": {"new_table": True},
    }

    assert rows_written_since(info, url, rules=rules) == []
    unmapped = {w.table for w in rows_written_since(info, url)}
    assert "narrative_turns" in unmapped
