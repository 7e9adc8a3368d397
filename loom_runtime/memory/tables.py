"""The runtime tables the memory layer reads and writes, at the head schema."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

TABLE_NAMES = ("loom_meta", "narrative_sessions", "narrative_turns", "memory_facts", "interventions", "plugin_state")


@dataclass(frozen=True)
class Tables:
    loom_meta: sa.Table
    sessions: sa.Table
    turns: sa.Table
    facts: sa.Table
    interventions: sa.Table
    plugin_state: sa.Table


def tables_for(connection: Connection) -> Tables:
    """Return the tables of the database behind ``connection``.

    NOTE: read by reflection from the live schema until the storage layer's models land;
    the schema itself is created only by the Alembic chain.
    """
    metadata = sa.MetaData()
    metadata.reflect(bind=connection, only=list(TABLE_NAMES))
    table = metadata.tables
    return Tables(
        table["loom_meta"], table["narrative_sessions"], table["narrative_turns"], table["memory_facts"], table["interventions"], table["plugin_state"]
    )
