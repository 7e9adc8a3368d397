"""Full-text search over a session's remembered facts, for SQLite and PostgreSQL.

Chinese has no spaces between words, so both dialects index character trigrams
(revision 0102): a term of three or more characters, in any script, is found through
the index. Shorter terms (most Chinese words are one or two characters) are matched as
substrings within the one session, which contains few enough facts for a scan. A query is
split on whitespace and every term must match (AND).
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

TRIGRAM = 3
_COLUMNS = "f.id, f.session_id, f.turn_id, f.content, f.source, f.created_at, f.importance, f.pinned"


def search_facts(connection: Connection, session_id: str, query: str, limit: int = 8) -> list[Row]:
    """Return up to ``limit`` facts of ``session_id`` whose content contains every term of ``query``.

    Each row has the memory_facts columns (``id``, ``content``, ...) plus ``rank``, where a
    lower rank is a better match. Best matches come first; ties and scans come newest first.
    """
    terms = split_terms(query)
    if not terms or limit <= 0:
        return []
    if connection.dialect.name == "postgresql":
        return _search_postgresql(connection, session_id, terms, limit)
    if connection.dialect.name == "sqlite":
        return _search_sqlite(connection, session_id, terms, limit)
    raise NotImplementedError(f"fact search supports SQLite and PostgreSQL, not {connection.dialect.name}")


def split_terms(query: str) -> list[str]:
    """Return the distinct whitespace-separated terms of ``query``, in order."""
    seen: dict[str, None] = {}
    for term in re.split(r"\s+", query.strip()):
        if term:
            seen.setdefault(term, None)
    return list(seen)


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _like_clauses(terms: list[str], operator: str, params: dict) -> list[str]:
    clauses = []
    for number, term in enumerate(terms):
        params[f"like{number}"] = _like_pattern(term)
        clauses.append(f"f.content {operator} :like{number} ESCAPE '\\'")
    return clauses


def _has_fts(connection: Connection) -> bool:
    found = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'memory_facts_fts'"
    ).first()
    return found is not None


def _search_sqlite(connection: Connection, session_id: str, terms: list[str], limit: int) -> list[Row]:
    params: dict = {"session_id": session_id, "limit": limit}
    indexed = [term for term in terms if len(term) >= TRIGRAM] if _has_fts(connection) else []
    scanned = [term for term in terms if term not in indexed]
    where = ["f.session_id = :session_id", *_like_clauses(scanned, "LIKE", params)]
    if indexed:
        # Each term becomes an FTS5 string (double quotes doubled), so no query syntax leaks in.
        params["match"] = " ".join('"' + term.replace('"', '""') + '"' for term in indexed)
        sql = (
            f"SELECT {_COLUMNS}, bm25(memory_facts_fts) AS rank FROM memory_facts_fts "
            "JOIN memory_facts f ON f.id = memory_facts_fts.rowid "
            f"WHERE memory_facts_fts MATCH :match AND {' AND '.join(where)} "
            "ORDER BY rank, f.created_at DESC, f.id DESC LIMIT :limit"
        )
    else:
        sql = (
            f"SELECT {_COLUMNS}, 0.0 AS rank FROM memory_facts f WHERE {' AND '.join(where)} "
            "ORDER BY f.created_at DESC, f.id DESC LIMIT :limit"
        )
    return list(connection.execute(sa.text(sql), params))


def _search_postgresql(connection: Connection, session_id: str, terms: list[str], limit: int) -> list[Row]:
    params: dict = {"session_id": session_id, "limit": limit, "query": " ".join(terms)}
    where = ["f.session_id = :session_id", *_like_clauses(terms, "ILIKE", params)]
    has_trgm = connection.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").first() is not None
    rank = "1 - similarity(f.content, :query)" if has_trgm else "0.0"
    sql = (
        f"SELECT {_COLUMNS}, {rank} AS rank FROM memory_facts f WHERE {' AND '.join(where)} "
        "ORDER BY rank, f.created_at DESC, f.id DESC LIMIT :limit"
    )
    return list(connection.execute(sa.text(sql), params))
