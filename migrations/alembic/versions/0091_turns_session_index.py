"""Add idx_game_turns_session on game_turns(session_id, turn_index).

Mark: expand.

Revision ID: 0091
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0091"
down_revision = "0009"
branch_labels = None
depends_on = None

DOWNGRADE_DROPS: list[tuple[str, str | None, str]] = []


def upgrade() -> None:
    op.create_index("idx_game_turns_session", "game_turns", ["session_id", "turn_index"])


def downgrade() -> None:
    op.drop_index("idx_game_turns_session", table_name="game_turns")
