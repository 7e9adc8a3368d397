"""Add the metrics table and idx_metrics_timestamp.

Mark: expand.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Metrics are samples the service can regenerate, but a downgrade still keeps them unless empty.
DOWNGRADE_DROPS: list[tuple[str, str | None, str]] = [("metrics", None, "1 = 1")]


def upgrade() -> None:
    op.create_table(
        "metrics",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        sa.Column("metric_name", sa.String(128), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
    )
    op.create_index("idx_metrics_timestamp", "metrics", ["timestamp"])


def downgrade() -> None:
    op.drop_index("idx_metrics_timestamp", table_name="metrics")
    op.drop_table("metrics")
