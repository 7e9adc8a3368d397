"""snapshot_rows / expected_after / compare_rows with each row rule, on real databases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from loom_migrations import runner
from loom_upgrade.catalog import load_catalog
from loom_upgrade.home import detect_home
from loom_upgrade.verify import Difference, RowSnapshot, compare_rows, snapshot_rows

BEFORE_SQL = """
CREATE TABLE game_sessions(id VARCHAR(36) PRIMARY KEY, rulebook_path TEXT NOT NULL, legacy_state TEXT,
                           created_at DATETIME NOT NULL);
CREATE TABLE game_facts(id INTEGER PRIMARY KEY, session_id VARCHAR(36) NOT NULL, content TEXT NOT NULL);
INSERT INTO game_sessions VALUES ('b-2', 'canon/a.md', 'x', '2026-01-02 03:04:05'),
                                 ('a-1', 'canon/b.md', NULL, '2026-01-01 00:00:00.250000');
INSERT INTO game_facts VALUES (1, 'a-1', '港口很安静'), (2, 'b-2', 'e\u0301'), (3, 'b-2', '🙂');
"""

AFTER_SQL = """
CREATE TABLE narrative_sessions(id VARCHAR(36) PRIMARY KEY, canon_path TEXT NOT NULL, created_at DATETIME NOT NULL,
                                seed INTEGER);
CREATE TABLE memory_facts(id INTEGER PRIMARY KEY, session_id VARCHAR(36) NOT NULL, content TEXT NOT NULL,
                          importance FLOAT NOT NULL DEFAULT 0.5, pinned BOOLEAN NOT NULL DEFAULT 0);
CREATE TABLE interventions(id INTEGER PRIMARY KEY, kind TEXT);
INSERT INTO narrative_sessions VALUES ('a-1', 'canon/b.md', '2026-01-01 00:00:00.250000', NULL),
                                      ('b-2', 'canon/a.md', '2026-01-02T03:04:05', NULL);
INSERT INTO memory_facts(id, session_id, content) VALUES (1, 'a-1', '港口很安静'), (2, 'b-2', 'e\u0301'), (3, 'b-2', '🙂');
"""

RULES = {
    "narrative_sessions": {
        "renamed_from": "game_sessions",
        "rename_columns": {"rulebook_path": "canon_path"},
        "drop_columns": ["legacy_state"],
        "add_columns": {"seed": None},
    },
    "memory_facts": {"renamed_from": "game_facts", "add_columns": {"importance": 0.5, "pinned": False}},
    "interventions": {"new_table": True},
}


def _database(path: Path, script: str) -> str:
    connection = sqlite3.connect(path)
    connection.executescript(script)
    connection.close()
    return f"sqlite:///{path}"


@pytest.fixture
def before(tmp_path) -> RowSnapshot:
    return snapshot_rows(_database(tmp_path / "before.db", BEFORE_SQL))


def _after(tmp_path: Path, *extra: str) -> RowSnapshot:
    return snapshot_rows(_database(tmp_path / "after.db", AFTER_SQL + "\n".join(extra)))


def test_every_rule_kind_maps_rows(before, tmp_path):
    assert compare_rows(before, _after(tmp_path), RULES) == []


def test_snapshot_counts_and_columns(before):
    assert before.tables["game_sessions"].rows == 2
    assert set(before.tables["game_sessions"].columns) == {"id", "rulebook_path", "legacy_state", "created_at"}
    assert RowSnapshot.from_dict(before.to_dict()) == before


def test_lost_row_is_a_difference(before, tmp_path):
    after = _after(tmp_path, "DELETE FROM memory_facts WHERE id = 3;")

    differences = compare_rows(before, after, RULES)

    assert differences == [Difference("memory_facts", "row_count", expected=3, actual=2)]
    assert differences[0].message() == "Table memory_facts has 2 rows where 3 were expected."


def test_changed_value_names_the_column(before, tmp_path):
    after = _after(tmp_path, "UPDATE memory_facts SET content = 'changed' WHERE id = 2;")

    differences = compare_rows(before, after, RULES)

    assert differences == [Difference("memory_facts", "content", expected=3, actual=3, columns=("content",))]
    assert differences[0].message() == "Table memory_facts (3 rows): the values of content changed."


def test_wrong_added_value_is_a_difference(before, tmp_path):
    after = _after(tmp_path, "UPDATE memory_facts SET pinned = 1 WHERE id = 1;")

    assert compare_rows(before, after, RULES) == [
        Difference("memory_facts", "content", expected=3, actual=3, columns=("pinned",))
    ]


def test_undeclared_column_and_table(before, tmp_path):
    after = _after(tmp_path, "ALTER TABLE memory_facts ADD COLUMN extra TEXT;", "CREATE TABLE surprise(id INTEGER PRIMARY KEY);")

    differences = compare_rows(before, after, RULES)

    assert Difference("memory_facts", "unexpected_columns", expected=3, actual=3, columns=("extra",)) in differences
    assert Difference("surprise", "unexpected_table", actual=0) in differences
    assert len(differences) == 2


def test_missing_rules_report_renamed_tables(before, tmp_path):
    differences = compare_rows(before, _after(tmp_path), {})

    kinds = {(d.table, d.kind) for d in differences}
    assert ("game_sessions", "missing_table") in kinds
    assert ("narrative_sessions", "unexpected_table") in kinds


def test_rules_apply_hop_by_hop(tmp_path):
    before = snapshot_rows(_database(tmp_path / "b.db", "CREATE TABLE a(id INTEGER PRIMARY KEY, x TEXT); INSERT INTO a VALUES (1, 'v');"))
    after = snapshot_rows(_database(tmp_path / "c.db", "CREATE TABLE c(id INTEGER PRIMARY KEY, z TEXT); INSERT INTO c VALUES (1, 'v');"))
    hops = [{"b": {"renamed_from": "a", "rename_columns": {"x": "y"}}}, {"c": {"renamed_from": "b", "rename_columns": {"y": "z"}}}]

    assert compare_rows(before, after, hops) == []


def _migrated_pair(make_home, release: str, target_revision: str):
    home = make_home(release, turns=40)
    url = detect_home(home, probe_venv=False, with_tables=False).db_url
    before = snapshot_rows(url)
    runner.upgrade(url, target_revision)
    return before, snapshot_rows(url)


def _edge_rows(source: str, target: str):
    catalog = load_catalog()
    edge = next(e for e in catalog.edges if str(e.source) == source and str(e.target) == target and e.path != "export-import")
    return edge.rows


def test_real_hop_to_0_10_keeps_every_row(make_home):
    before, after = _migrated_pair(make_home, "0.9.3", "0102")

    assert before.tables["game_turns"].rows > 0
    assert compare_rows(before, after, _edge_rows("0.9.3", "0.10.0")) == []


def test_real_path_to_1_1_keeps_every_row(make_home):
    before, after = _migrated_pair(make_home, "0.9.3", "1100")
    hops = [_edge_rows("0.9.3", "0.10.0"), _edge_rows("0.10.0", "1.0.0"), _edge_rows("1.0.0", "1.0.1"), _edge_rows("1.0.1", "1.1.0")]

    assert compare_rows(before, after, hops) == []
    assert compare_rows(before, after, hops[:1])  # the 1.0.0 hop's dropped column must be declared
