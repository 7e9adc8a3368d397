"""Query handles for the ``users`` and ``api_tokens`` tables (revision 1000).

These are lightweight ``table()`` constructs, not schema definitions: the Alembic chain
owns the schema, and this module only names the columns it reads and writes.
"""

from __future__ import annotations

from sqlalchemy import DateTime, Integer, String, column, table

users = table(
    "users",
    column("id", Integer),
    column("name", String),
    column("role", String),
    column("created_at", DateTime),
)

api_tokens = table(
    "api_tokens",
    column("id", Integer),
    column("user_id", Integer),
    column("name", String),
    column("token_hash", String),
    column("role", String),
    column("created_at", DateTime),
    column("expires_at", DateTime),
    column("revoked_at", DateTime),
)
