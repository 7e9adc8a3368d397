"""Runtime engines: URLs resolved against the home, SQLite PRAGMAs on every connection."""

import pytest

from loom_migrations import catalog_lookup
from loom_runtime.storage.engine import create_storage_engine, resolve_url


def test_resolve_relative_sqlite(tmp_path):
    assert resolve_url("sqlite:///data/loom.db", tmp_path) == f"sqlite:///{tmp_path}/data/loom.db"


def test_resolve_absolute_sqlite(tmp_path):
    assert resolve_url("sqlite:////srv/loom.db", tmp_path) == "sqlite:////srv/loom.db"


def test_resolve_postgresql_driver(tmp_path):
    assert resolve_url("postgresql://loom:pw@db/loom", tmp_path) == "postgresql+psycopg://loom:pw@db/loom"
    assert resolve_url("postgresql+psycopg://loom@db/loom", tmp_path) == "postgresql+psycopg://loom@db/loom"


def test_sqlite_pragmas_each_connection(tmp_path):
    (tmp_path / "data").mkdir()
    engine = create_storage_engine("sqlite:///data/loom.db", tmp_path)
    for _ in range(2):
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    engine.dispose()
    assert (tmp_path / "data" / "loom.db").exists()


def test_catalog_lookup():
    assert catalog_lookup.revision_for_release("0.9.2") == "0091"
    assert catalog_lookup.newest_release() == "1.1.0"
    marks = catalog_lookup.revision_marks()
    assert marks["0100"].mark == "contract"
    assert marks["1002"].down == "lossy"
    assert catalog_lookup.releases_for_revision("1002") == ["1.0.0", "1.0.1"]


def test_catalog_lookup_unknown_release():
    with pytest.raises(KeyError) as error:
        catalog_lookup.revision_for_release("2.0.0")
    assert "release 2.0.0 is not in the catalog. Known releases: 0.1.0, 0.2.0" in error.value.args[0]
