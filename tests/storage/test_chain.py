"""The LOOM revision chain on populated databases: every row survives, on SQLite and PostgreSQL."""

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from loom_migrations import catalog_lookup, fingerprint, runner
from loom_migrations.errors import LossyDowngradeError, WrongDirectionError

VERSIONS = Path(runner.SCRIPT_LOCATION) / "versions"
RENAMED_TABLES = catalog_lookup.table_renames()
RENAMED_COLUMNS = {
    tuple(old.split(".")): new.split(".")[1] for old, new in catalog_lookup.column_renames().items()
}
DROPPED_AT_HEAD = {("game_sessions", "legacy_state"), ("narrative_sessions", "legacy_state")}


def _content(url: str) -> dict[str, list[dict]]:
    """Return every row of every data table, ordered by primary key."""
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    metadata.reflect(engine)
    content = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version" or table.name.startswith("memory_facts_fts"):
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            content[table.name] = [dict(row._mapping) for row in connection.execute(sa.select(table).order_by(*order))]
    engine.dispose()
    return content


def _as_head(table: str, rows: list[dict]) -> tuple[str, list[dict]]:
    """Rename an old table's rows to head names, leaving out the columns head dropped."""
    new_table = RENAMED_TABLES.get(table, table)
    renamed = []
    for row in rows:
        renamed.append({
            RENAMED_COLUMNS.get((table, column), column): value
            for column, value in row.items()
            if (table, column) not in DROPPED_AT_HEAD
        })
    return new_table, renamed


def _assert_rows_kept(before: dict, after: dict) -> None:
    for table, rows in before.items():
        new_table, expected = _as_head(table, rows)
        kept = [{column: row[column] for column in expected_row} for row, expected_row in zip(after[new_table], expected)]
        assert len(after[new_table]) == len(expected), table
        assert kept == expected, table


def test_revision_files_match_catalog():
    marks = catalog_lookup.revision_marks()
    assert runner.chain() == list(marks)
    for path in VERSIONS.glob("*.py"):
        if path.name == "__init__.py":
            continue
        source = path.read_text(encoding="utf-8")
        revision = re.search(r'^revision = "(\d+)"', source, re.MULTILINE).group(1)
        assert f"Mark: {marks[revision].mark}" in source, path.name
        assert not re.search(r"^\s*(from|import) loom_(runtime|upgrade)", source, re.MULTILINE), path.name


def test_chain_keeps_rows_sqlite(make_home):
    home = make_home("0.1.0", turns=400)
    url = f"sqlite:///{home / 'data' / 'loom.db'}"
    before = _content(url)

    result = runner.upgrade(url, "head")

    assert result.applied == runner.chain()[1:]
    assert runner.current_revision(url) == "1100"
    _assert_rows_kept(before, _content(url))
    assert fingerprint.differences(fingerprint.reference_fingerprint("1.1.0", "sqlite"), fingerprint.schema_fingerprint(url)) == []


def test_chain_from_093_keeps_pinned(make_home):
    home = make_home("0.9.3", turns=300)
    url = f"sqlite:///{home / 'data' / 'loom.db'}"
    before = _content(url)
    runner.upgrade(url, "head")
    after = _content(url)
    _assert_rows_kept(before, after)
    assert sum(1 for row in after["memory_facts"] if row["pinned"]) == sum(1 for row in before["game_facts"] if row["pinned"])


def test_fts_indexes_old_facts(make_home):
    home = make_home("0.9.3", turns=300)
    url = f"sqlite:///{home / 'data' / 'loom.db'}"
    runner.upgrade(url, "0102")
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        indexed = connection.exec_driver_sql("SELECT count(*) FROM memory_facts_fts WHERE memory_facts_fts MATCH '\"商道在\"'").scalar()
        stored = connection.exec_driver_sql("SELECT count(*) FROM memory_facts WHERE content LIKE '%商道在%'").scalar()
    engine.dispose()
    assert stored > 0
    assert indexed == stored


def test_lossy_downgrade_refused(make_home):
    home = make_home("1.1.0", turns=100)
    url = f"sqlite:///{home / 'data' / 'loom.db'}"

    with pytest.raises(LossyDowngradeError) as error:
        runner.downgrade(url, "0102")

    assert error.value.revision == "1001"
    assert str(error.value).startswith(
        "Downgrading past revision 1001 would drop table plugin_state, which still contains data in 1 row(s)."
    )
    assert runner.current_revision(url) == "1100"


def test_lossless_downgrade_runs(make_home):
    home = make_home("1.1.0", turns=100)
    url = f"sqlite:///{home / 'data' / 'loom.db'}"
    before = _content(url)

    runner.downgrade(url, "1002")

    assert runner.current_revision(url) == "1002"
    assert _content(url) == before


def test_downgrade_empty_tables_then_up(make_home):
    home = make_home("1.0.0", turns=100)
    url = f"sqlite:///{home / 'data' / 'loom.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for table in ("api_tokens", "users", "plugin_state"):
            connection.exec_driver_sql(f"DELETE FROM {table}")
    engine.dispose()

    runner.downgrade(url, "0102")
    assert fingerprint.differences(fingerprint.reference_fingerprint("0.10.0", "sqlite"), fingerprint.schema_fingerprint(url)) == []
    runner.upgrade(url, "1002")
    assert fingerprint.differences(fingerprint.reference_fingerprint("1.0.0", "sqlite"), fingerprint.schema_fingerprint(url)) == []


def test_upgrade_wrong_direction(make_home):
    home = make_home("1.0.0", turns=10)
    with pytest.raises(WrongDirectionError, match="Cannot upgrade from revision 1002 to 0102"):
        runner.upgrade(f"sqlite:///{home / 'data' / 'loom.db'}", "0102")


def test_sql_preview_sqlite(make_home):
    home = make_home("0.9.3", turns=10)
    url = f"sqlite:///{home / 'data' / 'loom.db'}"
    sql = runner.sql_preview(url, "0093", "1002")
    assert "ALTER TABLE game_sessions RENAME TO narrative_sessions;" in sql
    assert "CREATE TABLE _alembic_tmp_narrative_sessions" in sql
    assert runner.current_revision(url) == "0093"


def _copy_rows(source_url: str, target_url: str) -> None:
    source, target = sa.create_engine(source_url), sa.create_engine(target_url)
    metadata = sa.MetaData()
    metadata.reflect(source)
    with source.connect() as reader, target.begin() as writer:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = [dict(row._mapping) for row in reader.execute(sa.select(table))]
            if rows:
                writer.execute(sa.Table(table.name, sa.MetaData(), autoload_with=writer).insert(), rows)
    source.dispose()
    target.dispose()


@pytest.mark.postgres
def test_chain_keeps_rows_postgresql(make_home, postgres_url):
    home = make_home("0.1.0", turns=300)
    runner.upgrade(postgres_url, "0001")
    _copy_rows(f"sqlite:///{home / 'data' / 'loom.db'}", postgres_url)
    before = _content(postgres_url)

    runner.upgrade(postgres_url, "head")

    assert runner.current_revision(postgres_url) == "1100"
    _assert_rows_kept(before, _content(postgres_url))


@pytest.mark.postgres
def test_postgresql_downgrade_to_base(postgres_url):
    runner.upgrade(postgres_url, "head")
    runner.downgrade(postgres_url, "base")
    assert runner.current_revision(postgres_url) is None
    engine = sa.create_engine(postgres_url)
    assert sa.inspect(engine).get_table_names() == ["alembic_version"]
    engine.dispose()


@pytest.mark.postgres
def test_sql_preview_postgresql(postgres_url):
    sql = runner.sql_preview(postgres_url, "0093", "0102")
    assert "ALTER TABLE game_sessions RENAME TO narrative_sessions" in sql
    assert "gin_trgm_ops" in sql
    assert runner.current_revision(postgres_url) is None


def test_lossy_marks_match_drops():
    """A revision whose downgrade drops data is marked lossy in the catalog."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(runner.alembic_config())
    for revision, mark in catalog_lookup.revision_marks().items():
        drops = script.get_revision(revision).module.DOWNGRADE_DROPS
        if drops:
            assert mark.down == "lossy", revision
