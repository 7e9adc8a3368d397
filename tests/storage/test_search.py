"""Fact search finds Chinese and English terms of any length, on SQLite and PostgreSQL."""

from datetime import datetime

import pytest
import sqlalchemy as sa

from loom_migrations import runner
from loom_runtime.storage.engine import create_storage_engine
from loom_runtime.storage.search import search_facts, split_terms

FACTS = [
    (1, "s1", "竹林深处有人呼救。"),
    (2, "s1", "林掌柜认识失踪的镖师。"),
    (3, "s1", "The lighthouse key is missing."),
    (4, "s1", "商道在三年前改道，镖师失踪。"),
    (5, "s2", "竹林里的呼救声又出现了。"),
    (6, "s1", "100% sure: the_key is under the mat"),
]


def _populate(url: str) -> sa.Engine:
    runner.upgrade(url, "head")
    engine = create_storage_engine(url)
    now = datetime(2026, 1, 1, 12, 0, 0)
    with engine.begin() as connection:
        for session in ("s1", "s2"):
            connection.execute(
                sa.text("INSERT INTO narrative_sessions (id, title, canon_path, created_at, updated_at) "
                        "VALUES (:id, 't', 'canon/zh.md', :now, :now)"),
                {"id": session, "now": now},
            )
        for fact_id, session, content in FACTS:
            connection.execute(
                sa.text("INSERT INTO memory_facts (id, session_id, content, source, created_at) "
                        "VALUES (:id, :session, :content, 'narration', :now)"),
                {"id": fact_id, "session": session, "content": content, "now": now.replace(minute=fact_id)},
            )
    return engine


def _ids(engine, session, query, limit=10):
    with engine.connect() as connection:
        return sorted(row.id for row in search_facts(connection, session, query, limit))


CASES = [
    ("呼救", [1]),            # two characters: substring scan
    ("竹", [1]),              # one character
    ("镖师失踪", [4]),         # four characters through the trigram index
    ("镖师 失踪", [2, 4]),     # two terms, both required
    ("LIGHTHOUSE", [3]),      # case-insensitive
    ("key", [3, 6]),
    ("100%", [6]),            # LIKE wildcards are literal
    ("the_key", [6]),
    ('"key', []),             # FTS5 syntax characters are literal
    ("   ", []),
    ("龙", []),
]


def test_split_terms():
    assert split_terms("  镖师  失踪 镖师 ") == ["镖师", "失踪"]


@pytest.fixture(scope="module")
def sqlite_engine(tmp_path_factory):
    engine = _populate(f"sqlite:///{tmp_path_factory.mktemp('search') / 'loom.db'}")
    yield engine
    engine.dispose()


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_search_sqlite(sqlite_engine, query, expected):
    assert _ids(sqlite_engine, "s1", query) == expected


def test_search_limit_and_session(sqlite_engine):
    assert _ids(sqlite_engine, "s2", "呼救") == [5]
    assert len(_ids(sqlite_engine, "s1", "。", limit=2)) == 2


def test_search_follows_updates(tmp_path):
    engine = _populate(f"sqlite:///{tmp_path / 'loom.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE memory_facts SET content = '灯塔的钥匙找到了' WHERE id = 3")
        connection.exec_driver_sql("DELETE FROM memory_facts WHERE id = 4")
    assert _ids(engine, "s1", "灯塔的钥匙") == [3]
    assert _ids(engine, "s1", "lighthouse") == []
    assert _ids(engine, "s1", "镖师失踪") == []
    engine.dispose()


@pytest.mark.postgres
def test_search_postgresql(postgres_url):
    engine = _populate(postgres_url)
    for query, expected in CASES:
        assert _ids(engine, "s1", query) == expected, query
    engine.dispose()
