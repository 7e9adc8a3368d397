"""Plain records the memory layer returns, detached from the database connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SessionRecord:
    id: str
    title: str
    canon_path: str
    seed: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TurnRecord:
    id: int
    session_id: str
    turn_index: int
    player_input: str
    narration: str
    token_count: int | None
    created_at: datetime


@dataclass(frozen=True)
class FactRecord:
    id: int
    session_id: str
    turn_id: int | None
    content: str
    source: str
    importance: float
    pinned: bool
    created_at: datetime


@dataclass(frozen=True)
class InterventionRecord:
    id: int
    session_id: str
    turn_index: int
    kind: str
    payload: str
    status: str
    created_at: datetime
