"""logical_dump: equal databases give equal dumps, and any schema or row change shows."""

from __future__ import annotations

import sqlite3

from loom_upgrade.verify import logical_digest, logical_dump

SCHEMA = """
CREATE TABLE alembic_version(version_num VARCHAR(32) PRIMARY KEY);
INSERT INTO alembic_version VALUES ('1100');
CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT, created_at DATETIME);
CREATE INDEX idx_notes_created ON notes(created_at);
INSERT INTO notes VALUES (2, '第二', '2026-01-02 00:00:00'), (1, NULL, '2026-01-01 00:00:00');
"""


def _database(path, extra=""):
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA + extra)
    connection.close()
    return f"sqlite:///{path}"


def test_dump_lists_schema_then_rows_in_key_order(tmp_path):
    lines = list(logical_dump(_database(tmp_path / "a.db")))

    assert lines[0].startswith('TABLE {"name": "alembic_version"')
    assert lines[1] == 'ROW ["S4:1100"]'
    assert '"indexes": [["idx_notes_created", ["created_at"], false]]' in lines[2]
    assert lines[3] == 'ROW ["D1:1", "N", "T26:2026-01-01T00:00:00.000000"]'
    assert lines[4] == 'ROW ["D1:2", "S6:第二", "T26:2026-01-02T00:00:00.000000"]'


def test_equal_databases_equal_digests(tmp_path):
    assert logical_digest(_database(tmp_path / "a.db")) == logical_digest(_database(tmp_path / "b.db"))


def test_dropped_index_changes_digest(tmp_path):
    changed = _database(tmp_path / "b.db", "DROP INDEX idx_notes_created;")

    assert logical_digest(_database(tmp_path / "a.db")) != logical_digest(changed)


def test_changed_revision_changes_digest(tmp_path):
    changed = _database(tmp_path / "b.db", "UPDATE alembic_version SET version_num = '1002';")

    assert logical_digest(_database(tmp_path / "a.db")) != logical_digest(changed)
