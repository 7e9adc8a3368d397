"""Drop narrative_sessions.legacy_state, unused since 0.9.0.

Mark: contract (code of 0.10.x still selects the column and cannot serve the result).

On SQLite this rebuilds narrative_sessions, the parent of three tables with ON DELETE
CASCADE; migrations/runner.py turns foreign-key enforcement off before the transaction
begins, so dropping the old copy deletes no child rows.

Revision ID: 1002
Revises: 1001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1002"
down_revision = "1001"
branch_labels = None
depends_on = None

# The downgrade only adds the column back (empty); the values dropped by the upgrade are gone.
DOWNGRADE_DROPS: list[tuple[str, str | None, str]] = []


def upgrade() -> None:
    with op.batch_alter_table("narrative_sessions") as batch:
        batch.drop_column("legacy_state")


def downgrade() -> None:
    op.add_column("narrative_sessions", sa.Column("legacy_state", sa.Text(), nullable=True))
