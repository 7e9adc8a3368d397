"""Export and import: exact round trips on both dialects, and 0.2.0 exports into 1.x."""

import json

import pytest
import sqlalchemy as sa

from loom_migrations import runner
from loom_migrations.errors import ExportFormatError
from loom_migrations.export_format import decode_value, encode_value
from loom_runtime.storage.exchange import export_database, import_database
from tests.storage.test_chain import _content


def _fresh(url: str, release: str = "1.1.0") -> str:
    runner.upgrade(url, "head")
    runner.write_release(url, release)
    return url


def _without_meta(content: dict) -> dict:
    return {table: rows for table, rows in content.items() if table != "loom_meta"}


def test_round_trip_sqlite(make_home, tmp_path):
    home = make_home("1.1.0", turns=600)
    source = f"sqlite:///{home / 'data' / 'loom.db'}"
    target = _fresh(f"sqlite:///{tmp_path / 'target.db'}")
    document = tmp_path / "export.json"
    seen = []

    exported = export_database(source, document, progress=lambda table, rows: seen.append(table))
    imported = import_database(target, document)

    assert exported.release == "1.1.0"
    assert exported.revision == "1100"
    assert imported.rows == exported.rows
    assert _without_meta(_content(target)) == _without_meta(_content(source))
    assert "narrative_turns" in seen
    assert document.stat().st_mode & 0o777 == 0o600
    header = document.read_text(encoding="utf-8")[:400]
    assert '"format": "loom-export"' in header


def test_float_and_text_edge_values(tmp_path):
    source = _fresh(f"sqlite:///{tmp_path / 'source.db'}")
    values = [0.1 + 0.2, 1e-300, 1.7976931348623157e308, -0.0, float("inf"), 5e-324]
    engine = sa.create_engine(source)
    with engine.begin() as connection:
        for number, value in enumerate(values, 1):
            connection.execute(
                sa.text("INSERT INTO metrics (id, timestamp, metric_name, value) VALUES (:id, :ts, :name, :value)"),
                {"id": number, "ts": f"2026-01-01 00:00:0{number}.000001", "name": "🧜‍♀️ e\u0301 \x01 שלום", "value": value},
            )
    engine.dispose()
    target = _fresh(f"sqlite:///{tmp_path / 'target.db'}")

    export_database(source, tmp_path / "export.json")
    import_database(target, tmp_path / "export.json")

    rows = _content(target)["metrics"]
    assert rows == _content(source)["metrics"]
    assert [row["value"] for row in rows] == values
    assert rows[0]["metric_name"] == "🧜‍♀️ e\u0301 \x01 שלום"
    assert rows[0]["timestamp"].microsecond == 1


def test_value_codecs_keep_negative_zero():
    # SQLite itself stores -0.0 as 0, so the codec is checked on its own.
    encoded = json.loads(json.dumps(encode_value(-0.0, "float")))
    assert str(decode_value(encoded, "float")) == "-0.0"
    assert decode_value(encode_value(float("-inf"), "float"), "float") == float("-inf")


def test_import_from_020_export(make_home, tmp_path):
    home = make_home("0.2.0", turns=300)
    source = f"sqlite:///{home / 'data' / 'loom.db'}"
    before = _content(source)
    target = _fresh(f"sqlite:///{tmp_path / 'target.db'}", "1.0.0")
    runner.downgrade(target, "1002")

    export_database(source, tmp_path / "old.json")
    summary = import_database(target, tmp_path / "old.json")

    after = _content(target)
    assert summary.revision == "0002"
    assert len(after["narrative_sessions"]) == len(before["game_sessions"])
    assert len(after["narrative_turns"]) == len(before["game_turns"])
    assert [row["canon_path"] for row in after["narrative_sessions"]] == [row["rulebook_path"] for row in before["game_sessions"]]
    assert [row["narration"] for row in after["narrative_turns"]] == [row["gm_response"] for row in before["game_turns"]]
    assert {row["importance"] for row in after["memory_facts"]} == {0.5}
    assert {row["pinned"] for row in after["memory_facts"]} == {False}
    assert {row["seed"] for row in after["narrative_sessions"]} == {None}
    assert after["metrics"] == before["metrics"]
    assert runner.read_release(target) == "1.0.0"


def test_import_refuses_nonempty_target(make_home, tmp_path):
    home = make_home("1.1.0", turns=20)
    source = f"sqlite:///{home / 'data' / 'loom.db'}"
    export_database(source, tmp_path / "export.json")

    with pytest.raises(ExportFormatError, match="already contains rows in .*narrative_sessions"):
        import_database(source, tmp_path / "export.json")


def test_import_truncated_rolls_back(make_home, tmp_path):
    home = make_home("1.1.0", turns=200)
    export_database(f"sqlite:///{home / 'data' / 'loom.db'}", tmp_path / "export.json")
    data = (tmp_path / "export.json").read_bytes()
    (tmp_path / "cut.json").write_bytes(data[: len(data) * 2 // 3])
    target = _fresh(f"sqlite:///{tmp_path / 'target.db'}")

    with pytest.raises(ExportFormatError, match="not valid JSON or is truncated"):
        import_database(target, tmp_path / "cut.json")

    assert all(not rows for table, rows in _content(target).items() if table != "loom_meta")


def test_import_rejects_other_format(tmp_path):
    target = _fresh(f"sqlite:///{tmp_path / 'target.db'}")
    (tmp_path / "other.json").write_text(json.dumps({"format": "something", "tables": []}))
    with pytest.raises(ExportFormatError, match="this is not a LOOM export"):
        import_database(target, tmp_path / "other.json")


def test_import_composes_inplace_rules(make_home, tmp_path):
    home = make_home("0.9.3", turns=120)
    source = f"sqlite:///{home / 'data' / 'loom.db'}"
    before = _content(source)
    export_database(source, tmp_path / "export.json")
    target = _fresh(f"sqlite:///{tmp_path / 'target.db'}")

    import_database(target, tmp_path / "export.json")

    after = _content(target)
    assert [row["narration"] for row in after["narrative_turns"]] == [row["gm_response"] for row in before["game_turns"]]
    assert [row["pinned"] for row in after["memory_facts"]] == [row["pinned"] for row in before["game_facts"]]
    assert [row["importance"] for row in after["memory_facts"]] == [row["importance"] for row in before["game_facts"]]
    assert [row["seed"] for row in after["narrative_sessions"]] == [row["seed"] for row in before["game_sessions"]]


def test_import_rejects_newer_export(make_home, tmp_path):
    home = make_home("1.1.0", turns=20)
    export_database(f"sqlite:///{home / 'data' / 'loom.db'}", tmp_path / "export.json")
    target = f"sqlite:///{tmp_path / 'target.db'}"
    runner.upgrade(target, "1002")
    with pytest.raises(ExportFormatError, match="export is from revision 1100 .* database is at revision 1002"):
        import_database(target, tmp_path / "export.json")


@pytest.mark.postgres
def test_round_trip_sqlite_to_postgresql(make_home, tmp_path, postgres_server, postgres_url):
    home = make_home("1.1.0", turns=400)
    source = f"sqlite:///{home / 'data' / 'loom.db'}"
    target = _fresh(postgres_url)
    export_database(source, tmp_path / "export.json")
    import_database(target, tmp_path / "export.json")
    assert _without_meta(_content(target)) == _without_meta(_content(source))

    # and back out of PostgreSQL into a second PostgreSQL database
    second = _fresh(postgres_server.create_database())
    export_database(target, tmp_path / "again.json")
    import_database(second, tmp_path / "again.json")
    assert _without_meta(_content(second)) == _without_meta(_content(source))

    engine = sa.create_engine(second)
    with engine.begin() as connection:
        new_id = connection.execute(sa.text(
            "INSERT INTO metrics (timestamp, metric_name, value) VALUES (now(), 'x', 1) RETURNING id")).scalar()
    engine.dispose()
    assert new_id == len(_content(source)["metrics"]) + 1
    postgres_server.drop_database(second.rsplit("/", 1)[1])


def test_import_keeps_search_working(make_home, tmp_path):
    home = make_home("1.1.0", turns=150)
    export_database(f"sqlite:///{home / 'data' / 'loom.db'}", tmp_path / "export.json")
    target = _fresh(f"sqlite:///{tmp_path / 'target.db'}")
    import_database(target, tmp_path / "export.json")

    engine = sa.create_engine(target)
    with engine.begin() as connection:
        triggers = connection.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").scalar()
        connection.exec_driver_sql("INSERT INTO memory_facts_fts(memory_facts_fts) VALUES ('integrity-check')")
        indexed = connection.exec_driver_sql("SELECT count(*) FROM memory_facts_fts WHERE memory_facts_fts MATCH '\"商道在\"'").scalar()
        stored = connection.exec_driver_sql("SELECT count(*) FROM memory_facts WHERE content LIKE '%商道在%'").scalar()
    engine.dispose()
    assert triggers == 3
    assert stored > 0
    assert indexed == stored


def test_import_rejects_bad_value(make_home, tmp_path):
    home = make_home("1.1.0", turns=20)
    export_database(f"sqlite:///{home / 'data' / 'loom.db'}", tmp_path / "export.json")
    text = (tmp_path / "export.json").read_text(encoding="utf-8")
    broken = text.replace('"2026-0', '"not-a-date-2026-0', 1)
    (tmp_path / "broken.json").write_text(broken, encoding="utf-8")
    target = _fresh(f"sqlite:///{tmp_path / 'target.db'}")

    with pytest.raises(ExportFormatError, match="row 1 of table .* has a value that does not fit its column"):
        import_database(target, tmp_path / "broken.json")


def test_import_rejects_duplicate_keys(make_home, tmp_path):
    home = make_home("1.1.0", turns=20)
    export_database(f"sqlite:///{home / 'data' / 'loom.db'}", tmp_path / "export.json")
    text = (tmp_path / "export.json").read_text(encoding="utf-8")
    token_row = next(line for line in text.splitlines() if '"laptop"' in line)
    assert token_row.endswith(",")  # not the table's last row, so the copy needs no new comma
    duplicated = text.replace(token_row, token_row + "\n" + token_row, 1)
    (tmp_path / "dup.json").write_text(duplicated, encoding="utf-8")
    target = _fresh(f"sqlite:///{tmp_path / 'target.db'}")

    with pytest.raises(ExportFormatError, match="of table api_tokens break a constraint of api_tokens"):
        import_database(target, tmp_path / "dup.json")
