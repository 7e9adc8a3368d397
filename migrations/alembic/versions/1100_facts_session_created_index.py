"""Add idx_memory_facts_session_created on memory_facts(session_id, created_at).

Mark: expand.

Revision ID: 1100
Revises: 1002
"""

from __future__ import annotations

from alembic import op

revision = "1100"
down_revision = "1002"
branch_labels = None
depends_on = None

DOWNGRADE_DROPS: list[tuple[str, str | None, str]] = []


def upgrade() -> None:
    op.create_index("idx_memory_facts_session_created", "memory_facts", ["session_id", "created_at"])


def downgrade() -> None:
    op.drop_index("idx_memory_facts_session_created", table_name="memory_facts")
