"""Rename the game-engine tables and columns to narrative-interpreter terms.

Mark: contract (code of 0.9.x reads the old names and cannot serve the result).

game_sessions -> narrative_sessions (rulebook_path -> canon_path), game_turns ->
narrative_turns (gm_response -> narration), game_facts -> memory_facts, and
idx_game_turns_session -> idx_narrative_turns_session. Every row stays where it is: SQLite
(3.26 and later) and PostgreSQL both rewrite the foreign keys of the child tables when a
parent is renamed, so no table is rebuilt.

Revision ID: 0100
Revises: 0093
"""

from __future__ import annotations

from alembic import op

revision = "0100"
down_revision = "0093"
branch_labels = None
depends_on = None

DOWNGRADE_DROPS: list[tuple[str, str | None, str]] = []

TABLES = [("game_sessions", "narrative_sessions"), ("game_turns", "narrative_turns"), ("game_facts", "memory_facts")]
COLUMNS = [("narrative_sessions", "rulebook_path", "canon_path"), ("narrative_turns", "gm_response", "narration")]
# PostgreSQL names the serial sequences after the table; keep them in step with the tables.
SEQUENCES = [("game_turns_id_seq", "narrative_turns_id_seq"), ("game_facts_id_seq", "memory_facts_id_seq")]


def _rename_all(tables, columns, sequences, index_from, index_to, index_table) -> None:
    op.drop_index(index_from, table_name=index_table[0])
    for old, new in tables:
        op.rename_table(old, new)
    for table, old, new in columns:
        # RENAME COLUMN has the same syntax on SQLite (3.25 and later) and PostgreSQL.
        op.execute(f"ALTER TABLE {table} RENAME COLUMN {old} TO {new}")
    if op.get_context().dialect.name == "postgresql":
        for old, new in sequences:
            op.execute(f"ALTER SEQUENCE IF EXISTS {old} RENAME TO {new}")
    op.create_index(index_to, index_table[1], ["session_id", "turn_index"])


def upgrade() -> None:
    _rename_all(
        TABLES, COLUMNS, SEQUENCES,
        "idx_game_turns_session", "idx_narrative_turns_session", ("game_turns", "narrative_turns"),
    )


def downgrade() -> None:
    reverse_tables = [(new, old) for old, new in TABLES]
    # The column renames run after the table renames, so they address the old table names.
    reverse_columns = [
        ({v: k for k, v in TABLES}[table], new, old) for table, old, new in COLUMNS
    ]
    reverse_sequences = [(new, old) for old, new in SEQUENCES]
    _rename_all(
        reverse_tables, reverse_columns, reverse_sequences,
        "idx_narrative_turns_session", "idx_game_turns_session", ("narrative_turns", "game_turns"),
    )
