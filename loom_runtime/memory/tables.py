"""The runtime tables the memory layer reads and writes: the storage layer's head models."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from loom_runtime.storage import models


@dataclass(frozen=True)
class Tables:
    loom_meta: sa.Table
    sessions: sa.Table
    turns: sa.Table
    facts: sa.Table
    interventions: sa.Table
    plugin_state: sa.Table


HEAD_TABLES = Tables(
    loom_meta=models.LoomMeta.__table__,
    sessions=models.NarrativeSession.__table__,
    turns=models.NarrativeTurn.__table__,
    facts=models.MemoryFact.__table__,
    interventions=models.Intervention.__table__,
    plugin_state=models.PluginState.__table__,
)
