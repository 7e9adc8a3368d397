"""SQLAlchemy models of the head schema (revision 1100).

The Alembic chain in loom_migrations is what creates and changes databases; these models
describe its result for code that wants ORM access, and tests/storage/test_models.py
fails when ``metadata.create_all`` and the chain at head disagree. The full-text search
objects of revision 0102 are attached as DDL events so that ``create_all`` builds them too.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class LoomMeta(Base):
    """Key-value facts about the database itself; ``release`` names the release that last wrote it."""

    __tablename__ = "loom_meta"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)


class NarrativeSession(Base):
    __tablename__ = "narrative_sessions"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    title: Mapped[str] = mapped_column(sa.Text)
    canon_path: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime)
    seed: Mapped[int | None] = mapped_column(sa.Integer)


class NarrativeTurn(Base):
    __tablename__ = "narrative_turns"
    __table_args__ = (sa.Index("idx_narrative_turns_session", "session_id", "turn_index"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("narrative_sessions.id", ondelete="CASCADE"))
    turn_index: Mapped[int] = mapped_column(sa.Integer)
    player_input: Mapped[str] = mapped_column(sa.Text)
    narration: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime)
    token_count: Mapped[int | None] = mapped_column(sa.Integer)


class MemoryFact(Base):
    __tablename__ = "memory_facts"
    __table_args__ = (
        sa.Index("idx_memory_facts_session_created", "session_id", "created_at"),
        sa.Index(
            "idx_memory_facts_content_trgm", "content",
            postgresql_using="gin", postgresql_ops={"content": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("narrative_sessions.id", ondelete="CASCADE"))
    turn_id: Mapped[int | None] = mapped_column(sa.Integer, sa.ForeignKey("narrative_turns.id", ondelete="SET NULL"))
    content: Mapped[str] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime)
    importance: Mapped[float] = mapped_column(sa.Float, server_default="0.5")
    pinned: Mapped[bool] = mapped_column(sa.Boolean, server_default="0")


class Metric(Base):
    __tablename__ = "metrics"
    __table_args__ = (sa.Index("idx_metrics_timestamp", "timestamp"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    timestamp: Mapped[datetime] = mapped_column(sa.DateTime)
    metric_name: Mapped[str] = mapped_column(sa.String(128))
    value: Mapped[float] = mapped_column(sa.Float)


class Intervention(Base):
    __tablename__ = "interventions"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("narrative_sessions.id", ondelete="CASCADE"))
    turn_index: Mapped[int] = mapped_column(sa.Integer)
    kind: Mapped[str] = mapped_column(sa.String(32))
    payload: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(64))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime)


class PluginState(Base):
    __tablename__ = "plugin_state"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(32))
    enabled: Mapped[bool] = mapped_column(sa.Boolean)
    settings: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime)


metadata = Base.metadata

# The same statements as revision 0102 (which cannot import this module): an external-content
# FTS5 trigram index over memory_facts.content, kept in step by triggers.
SQLITE_SEARCH_DDL = [
    "CREATE VIRTUAL TABLE memory_facts_fts USING fts5("
    "content, content='memory_facts', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER memory_facts_fts_insert AFTER INSERT ON memory_facts BEGIN "
    "INSERT INTO memory_facts_fts(rowid, content) VALUES (new.id, new.content); END",
    "CREATE TRIGGER memory_facts_fts_delete AFTER DELETE ON memory_facts BEGIN "
    "INSERT INTO memory_facts_fts(memory_facts_fts, rowid, content) VALUES ('delete', old.id, old.content); END",
    "CREATE TRIGGER memory_facts_fts_update AFTER UPDATE OF content ON memory_facts BEGIN "
    "INSERT INTO memory_facts_fts(memory_facts_fts, rowid, content) VALUES ('delete', old.id, old.content); "
    "INSERT INTO memory_facts_fts(rowid, content) VALUES (new.id, new.content); END",
]

for _statement in SQLITE_SEARCH_DDL:
    sa.event.listen(MemoryFact.__table__, "after_create", sa.DDL(_statement).execute_if(dialect="sqlite"))
sa.event.listen(
    MemoryFact.__table__, "before_create", sa.DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql")
)
