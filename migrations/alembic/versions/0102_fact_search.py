"""Add full-text search over memory_facts.content that works for Chinese.

Mark: expand.

Chinese text has no spaces between words, so word tokenizers see a whole sentence as one
token. Both dialects index character trigrams instead, which match any substring of three
or more characters in any script; loom_runtime.storage.search matches shorter terms by
a substring scan limited to one session.

- SQLite: an external-content FTS5 table ``memory_facts_fts`` (tokenizer ``trigram``, in
  SQLite since 3.34) kept in step with memory_facts by three triggers, so every writer,
  the sqlite3 shell included, keeps the index right without application code.
- PostgreSQL: the ``pg_trgm`` extension and a GIN index on ``content gin_trgm_ops``,
  which serves ``ILIKE '%term%'``.

Revision ID: 0102
Revises: 0101
"""

from __future__ import annotations

from alembic import op

revision = "0102"
down_revision = "0101"
branch_labels = None
depends_on = None

DOWNGRADE_DROPS: list[tuple[str, str | None, str]] = []

SQLITE_UPGRADE = [
    "CREATE VIRTUAL TABLE memory_facts_fts USING fts5("
    "content, content='memory_facts', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER memory_facts_fts_insert AFTER INSERT ON memory_facts BEGIN "
    "INSERT INTO memory_facts_fts(rowid, content) VALUES (new.id, new.content); END",
    "CREATE TRIGGER memory_facts_fts_delete AFTER DELETE ON memory_facts BEGIN "
    "INSERT INTO memory_facts_fts(memory_facts_fts, rowid, content) VALUES ('delete', old.id, old.content); END",
    "CREATE TRIGGER memory_facts_fts_update AFTER UPDATE OF content ON memory_facts BEGIN "
    "INSERT INTO memory_facts_fts(memory_facts_fts, rowid, content) VALUES ('delete', old.id, old.content); "
    "INSERT INTO memory_facts_fts(rowid, content) VALUES (new.id, new.content); END",
    # Index the facts that already exist.
    "INSERT INTO memory_facts_fts(memory_facts_fts) VALUES ('rebuild')",
]
SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS memory_facts_fts_update",
    "DROP TRIGGER IF EXISTS memory_facts_fts_delete",
    "DROP TRIGGER IF EXISTS memory_facts_fts_insert",
    "DROP TABLE IF EXISTS memory_facts_fts",
]
POSTGRESQL_UPGRADE = [
    # pg_trgm is a trusted extension (PostgreSQL 13 and later): a database owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX idx_memory_facts_content_trgm ON memory_facts USING gin (content gin_trgm_ops)",
]
# The extension stays: other objects of the database may use it.
POSTGRESQL_DOWNGRADE = ["DROP INDEX IF EXISTS idx_memory_facts_content_trgm"]


def _statements(sqlite: list[str], postgresql: list[str]) -> list[str]:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        return sqlite
    if dialect == "postgresql":
        return postgresql
    raise NotImplementedError(f"revision 0102 supports SQLite and PostgreSQL, not {dialect}")


def upgrade() -> None:
    for statement in _statements(SQLITE_UPGRADE, POSTGRESQL_UPGRADE):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(SQLITE_DOWNGRADE, POSTGRESQL_DOWNGRADE):
        op.execute(statement)
