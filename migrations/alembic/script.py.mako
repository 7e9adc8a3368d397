"""${message}

Mark: expand (older code keeps serving) or contract (older code cannot serve the result);
keep this line and the `revisions:` entry of migrations/releases.yaml in agreement.

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}

# What a downgrade would drop, as (table, column or None, SQL condition of a row that still
# holds data). migrations/runner.py refuses the downgrade while any such row exists.
DOWNGRADE_DROPS: list[tuple[str, str | None, str]] = []


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
