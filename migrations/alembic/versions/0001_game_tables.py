"""Create loom_meta and the game-engine tables game_sessions, game_turns and game_facts.

Mark: expand.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

DOWNGRADE_DROPS: list[tuple[str, str | None, str]] = [
    ("game_facts", None, "1 = 1"),
    ("game_turns", None, "1 = 1"),
    ("game_sessions", None, "1 = 1"),
    ("loom_meta", None, "1 = 1"),
]


def upgrade() -> None:
    op.create_table(
        "loom_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "game_sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("rulebook_path", sa.Text(), nullable=False),
        sa.Column("legacy_state", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "game_turns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("game_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("turn_index", sa.Integer(), nullable=False),
        sa.Column("player_input", sa.Text(), nullable=False),
        sa.Column("gm_response", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "game_facts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("game_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("turn_id", sa.Integer(), sa.ForeignKey("game_turns.id", ondelete="SET NULL"), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("game_facts")
    op.drop_table("game_turns")
    op.drop_table("game_sessions")
    op.drop_table("loom_meta")
