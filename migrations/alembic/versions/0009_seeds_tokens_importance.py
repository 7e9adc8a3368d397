"""Add game_sessions.seed, game_turns.token_count and game_facts.importance.

Mark: expand.

Revision ID: 0009
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0002"
branch_labels = None
depends_on = None

DOWNGRADE_DROPS: list[tuple[str, str | None, str]] = [
    ("game_sessions", "seed", "seed IS NOT NULL"),
    ("game_turns", "token_count", "token_count IS NOT NULL"),
    ("game_facts", "importance", "importance <> 0.5"),
]


def upgrade() -> None:
    # Plain ADD COLUMN: a string server default keeps SQLite from rebuilding the tables.
    op.add_column("game_sessions", sa.Column("seed", sa.Integer(), nullable=True))
    op.add_column("game_turns", sa.Column("token_count", sa.Integer(), nullable=True))
    op.add_column("game_facts", sa.Column("importance", sa.Float(), nullable=False, server_default="0.5"))


def downgrade() -> None:
    with op.batch_alter_table("game_facts") as batch:
        batch.drop_column("importance")
    with op.batch_alter_table("game_turns") as batch:
        batch.drop_column("token_count")
    with op.batch_alter_table("game_sessions") as batch:
        batch.drop_column("seed")
