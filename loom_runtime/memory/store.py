"""Turns, remembered facts and interventions of sessions, through SQLAlchemy Core.

A :class:`MemoryStore` works on one connection with the storage layer's models of the
head schema. The caller owns the transaction, so a turn and its facts are committed or
rolled back together.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from loom_runtime.memory.records import FactRecord, InterventionRecord, SessionRecord, TurnRecord
from loom_runtime.memory.tables import HEAD_TABLES, Tables

RELEASE_KEY = "release"


def utc_now() -> datetime:
    # DATETIME columns are naive in both dialects; every timestamp is stored in UTC.
    return datetime.now(UTC).replace(tzinfo=None)


class MemoryStore:
    """Reads and writes one database's sessions, turns, facts and interventions."""

    def __init__(self, connection: Connection, tables: Tables | None = None) -> None:
        self.connection = connection
        self.tables = tables or HEAD_TABLES

    # loom_meta

    def record_release(self, version: str) -> None:
        """Record ``version`` as the release that last wrote the database."""
        meta = self.tables.loom_meta
        updated = self.connection.execute(sa.update(meta).where(meta.c.key == RELEASE_KEY).values(value=version))
        if updated.rowcount == 0:
            self.connection.execute(sa.insert(meta).values(key=RELEASE_KEY, value=version))

    def read_release(self) -> str | None:
        meta = self.tables.loom_meta
        return self.connection.execute(sa.select(meta.c.value).where(meta.c.key == RELEASE_KEY)).scalar()

    # sessions

    def create_session(self, session_id: str, title: str, canon_path: str, seed: int | None) -> SessionRecord:
        now = utc_now()
        values = {"id": session_id, "title": title, "canon_path": canon_path, "seed": seed, "created_at": now, "updated_at": now}
        self.connection.execute(sa.insert(self.tables.sessions).values(**values))
        return SessionRecord(**values)

    def get_session(self, session_id: str, lock: bool = False) -> SessionRecord | None:
        """Return the session; ``lock`` locks its row until commit so turns of one session run one at a time.

        NOTE: SQLite ignores the row lock, but it lets only one transaction write at a time.
        """
        sessions = self.tables.sessions
        query = sa.select(sessions.c.id, sessions.c.title, sessions.c.canon_path, sessions.c.seed, sessions.c.created_at, sessions.c.updated_at).where(sessions.c.id == session_id)
        if lock:
            query = query.with_for_update()
        row = self.connection.execute(query).first()
        return SessionRecord(**row._mapping) if row is not None else None

    def delete_session(self, session_id: str) -> None:
        """Delete the session with its turns, facts and interventions."""
        for table in (self.tables.facts, self.tables.interventions, self.tables.turns):
            self.connection.execute(sa.delete(table).where(table.c.session_id == session_id))
        self.connection.execute(sa.delete(self.tables.sessions).where(self.tables.sessions.c.id == session_id))

    def touch_session(self, session_id: str) -> None:
        sessions = self.tables.sessions
        self.connection.execute(sa.update(sessions).where(sessions.c.id == session_id).values(updated_at=utc_now()))

    # turns

    def add_turn(self, session_id: str, turn_index: int, player_input: str, narration: str, token_count: int | None) -> TurnRecord:
        values = {
            "session_id": session_id,
            "turn_index": turn_index,
            "player_input": player_input,
            "narration": narration,
            "token_count": token_count,
            "created_at": utc_now(),
        }
        turn_id = self.connection.execute(sa.insert(self.tables.turns).values(**values)).inserted_primary_key[0]
        return TurnRecord(id=turn_id, **values)

    def list_turns(self, session_id: str, after_index: int | None = None, limit: int | None = None) -> list[TurnRecord]:
        turns = self.tables.turns
        query = sa.select(*self._turn_columns()).where(turns.c.session_id == session_id).order_by(turns.c.turn_index)
        if after_index is not None:
            query = query.where(turns.c.turn_index > after_index)
        if limit is not None:
            query = query.limit(limit)
        return [TurnRecord(**row._mapping) for row in self.connection.execute(query)]

    def recent_turns(self, session_id: str, count: int) -> list[TurnRecord]:
        turns = self.tables.turns
        query = sa.select(*self._turn_columns()).where(turns.c.session_id == session_id).order_by(turns.c.turn_index.desc()).limit(count)
        return list(reversed([TurnRecord(**row._mapping) for row in self.connection.execute(query)]))

    def last_turn(self, session_id: str) -> TurnRecord | None:
        found = self.recent_turns(session_id, 1)
        return found[0] if found else None

    def get_turn(self, session_id: str, turn_index: int) -> TurnRecord | None:
        turns = self.tables.turns
        row = self.connection.execute(
            sa.select(*self._turn_columns()).where(turns.c.session_id == session_id, turns.c.turn_index == turn_index)
        ).first()
        return TurnRecord(**row._mapping) if row is not None else None

    def replace_narration(self, session_id: str, turn_index: int, narration: str) -> bool:
        turns = self.tables.turns
        result = self.connection.execute(
            sa.update(turns).where(turns.c.session_id == session_id, turns.c.turn_index == turn_index).values(narration=narration)
        )
        return result.rowcount > 0

    def delete_turns_after(self, session_id: str, turn_index: int) -> tuple[int, int]:
        """Delete the turns after ``turn_index`` and the facts they created; return both counts."""
        turns, facts = self.tables.turns, self.tables.facts
        doomed = sa.select(turns.c.id).where(turns.c.session_id == session_id, turns.c.turn_index > turn_index)
        # Deleted explicitly: the foreign key would only set turn_id to NULL and keep the fact.
        fact_count = self.connection.execute(sa.delete(facts).where(facts.c.turn_id.in_(doomed))).rowcount
        turn_count = self.connection.execute(sa.delete(turns).where(turns.c.session_id == session_id, turns.c.turn_index > turn_index)).rowcount
        return turn_count, fact_count

    def delete_derived_facts(self, turn_id: int) -> int:
        """Delete the facts derived from the narration of turn ``turn_id``; return how many.

        Injected (``source`` other than ``narration``) and pinned facts stay, even when
        they are tied to that turn.
        """
        facts = self.tables.facts
        return self.connection.execute(
            sa.delete(facts).where(facts.c.turn_id == turn_id, facts.c.source == "narration", facts.c.pinned.is_(False))
        ).rowcount

    def _turn_columns(self) -> list[Any]:
        turns = self.tables.turns
        return [turns.c.id, turns.c.session_id, turns.c.turn_index, turns.c.player_input, turns.c.narration, turns.c.token_count, turns.c.created_at]

    # facts

    def add_fact(self, session_id: str, content: str, source: str, turn_id: int | None = None, pinned: bool = False, importance: float = 0.5) -> FactRecord:
        values = {
            "session_id": session_id,
            "turn_id": turn_id,
            "content": content,
            "source": source,
            "importance": importance,
            "pinned": pinned,
            "created_at": utc_now(),
        }
        fact_id = self.connection.execute(sa.insert(self.tables.facts).values(**values)).inserted_primary_key[0]
        return FactRecord(id=fact_id, **values)

    def list_facts(self, session_id: str) -> list[FactRecord]:
        facts = self.tables.facts
        query = sa.select(*self._fact_columns()).where(facts.c.session_id == session_id).order_by(facts.c.id)
        return [_fact(row) for row in self.connection.execute(query)]

    def pinned_facts(self, session_id: str) -> list[FactRecord]:
        facts = self.tables.facts
        query = sa.select(*self._fact_columns()).where(facts.c.session_id == session_id, facts.c.pinned.is_(True)).order_by(facts.c.id)
        return [_fact(row) for row in self.connection.execute(query)]

    def important_facts(self, session_id: str, limit: int) -> list[FactRecord]:
        """Return unpinned facts, most important first, then newest first."""
        facts = self.tables.facts
        query = (
            sa.select(*self._fact_columns())
            .where(facts.c.session_id == session_id, facts.c.pinned.is_(False))
            .order_by(facts.c.importance.desc(), facts.c.id.desc())
            .limit(limit)
        )
        return [_fact(row) for row in self.connection.execute(query)]

    def facts_by_id(self, ids: list[int]) -> list[FactRecord]:
        if not ids:
            return []
        facts = self.tables.facts
        rows = {row.id: _fact(row) for row in self.connection.execute(sa.select(*self._fact_columns()).where(facts.c.id.in_(ids)))}
        return [rows[fact_id] for fact_id in ids if fact_id in rows]

    def _fact_columns(self) -> list[Any]:
        facts = self.tables.facts
        return [facts.c.id, facts.c.session_id, facts.c.turn_id, facts.c.content, facts.c.source, facts.c.importance, facts.c.pinned, facts.c.created_at]

    # plugins

    def save_plugin_state(self, name: str, version: str, enabled: bool, settings: dict[str, Any]) -> None:
        table = self.tables.plugin_state
        values = {"version": version, "enabled": enabled, "settings": json.dumps(settings, ensure_ascii=False, sort_keys=True), "updated_at": utc_now()}
        updated = self.connection.execute(sa.update(table).where(table.c.name == name).values(**values))
        if updated.rowcount == 0:
            self.connection.execute(sa.insert(table).values(name=name, **values))

    def plugin_states(self) -> dict[str, dict[str, Any]]:
        table = self.tables.plugin_state
        rows = self.connection.execute(sa.select(table).order_by(table.c.name))
        return {row.name: {"version": row.version, "enabled": bool(row.enabled), "settings": json.loads(row.settings)} for row in rows}

    # interventions

    def record_intervention(self, session_id: str, turn_index: int, kind: str, payload: dict[str, Any], status: str) -> InterventionRecord:
        values = {
            "session_id": session_id,
            "turn_index": turn_index,
            "kind": kind,
            "payload": json.dumps(payload, ensure_ascii=False, sort_keys=True),
            "status": status,
            "created_at": utc_now(),
        }
        intervention_id = self.connection.execute(sa.insert(self.tables.interventions).values(**values)).inserted_primary_key[0]
        return InterventionRecord(id=intervention_id, **values)

    def list_interventions(self, session_id: str) -> list[InterventionRecord]:
        table = self.tables.interventions
        rows = self.connection.execute(sa.select(table).where(table.c.session_id == session_id).order_by(table.c.id))
        return [InterventionRecord(**row._mapping) for row in rows]


def _fact(row: Any) -> FactRecord:
    values = dict(row._mapping)
    values["pinned"] = bool(values["pinned"])
    return FactRecord(**values)
