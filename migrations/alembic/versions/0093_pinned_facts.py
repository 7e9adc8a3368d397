"""Add game_facts.pinned.

Mark: expand.

Revision ID: 0093
Revises: 0091
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0093"
down_revision = "0091"
branch_labels = None
depends_on = None

DOWNGRADE_DROPS: list[tuple[str, str | None, str]] = [("game_facts", "pinned", "pinned = TRUE")]


def upgrade() -> None:
    # '0' is false for both SQLite (numeric affinity) and PostgreSQL's boolean input, and a
    # string default keeps SQLite on a plain ADD COLUMN.
    op.add_column("game_facts", sa.Column("pinned", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("game_facts") as batch:
        batch.drop_column("pinned")
