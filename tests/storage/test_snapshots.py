"""Each release's checked-in SQLite snapshot matches the chain run to that release's revision."""

from pathlib import Path

import pytest

from loom_migrations import catalog_lookup, fingerprint, runner

RELEASES = [str(release["version"]) for release in catalog_lookup.releases()]


@pytest.mark.parametrize("release", RELEASES)
def test_snapshot_matches_chain(release, tmp_path):
    url = f"sqlite:///{tmp_path / 'chain.db'}"
    runner.upgrade(url, catalog_lookup.revision_for_release(release))

    expected = fingerprint.reference_fingerprint(release, "sqlite")
    actual = fingerprint.schema_fingerprint(url)

    assert fingerprint.differences(expected, actual) == []
    assert expected["tables"], "the snapshot created no tables"


def test_snapshot_exists_per_revision():
    revisions = {str(release["db_revision"]) for release in catalog_lookup.releases()}
    missing = [rev for rev in sorted(revisions) if not fingerprint.snapshot_path(rev).exists()]
    assert missing == []


def test_fixtures_snapshots_link():
    linked = Path(__file__).parents[2] / "fixtures" / "snapshots" / "1100.sql"
    assert linked.read_text(encoding="utf-8") == fingerprint.snapshot_path("1100").read_text(encoding="utf-8")


def test_fingerprint_detects_changed_default(tmp_path):
    url = f"sqlite:///{tmp_path / 'chain.db'}"
    runner.upgrade(url, "0093")
    altered = fingerprint.snapshot_path("0093").read_text(encoding="utf-8").replace("DEFAULT '0.5'", "DEFAULT '0.7'")
    (tmp_path / "altered.sql").write_text(altered, encoding="utf-8")
    import sqlite3

    with sqlite3.connect(tmp_path / "altered.db") as connection:
        connection.executescript(altered)
    differences = fingerprint.differences(
        fingerprint.schema_fingerprint(f"sqlite:///{tmp_path / 'altered.db'}"), fingerprint.schema_fingerprint(url)
    )
    assert differences == ["tables.game_facts.columns.importance.default: expected '0.7', found '0.5'"]


@pytest.mark.postgres
@pytest.mark.parametrize("release", ["0.9.3", "1.1.0"])
def test_postgresql_chain_matches_sqlite(release, postgres_url, tmp_path):
    """The same revision gives the same tables on both dialects (search objects differ by design)."""
    postgresql = fingerprint.reference_fingerprint(release, "postgresql", scratch_url=postgres_url)["tables"]
    sqlite = fingerprint.reference_fingerprint(release, "sqlite")["tables"]
    if "memory_facts" in postgresql:
        trigram = [index for index in postgresql["memory_facts"]["indexes"] if index["using"] == "gin"]
        assert [index["name"] for index in trigram] == ["idx_memory_facts_content_trgm"]
        postgresql["memory_facts"]["indexes"].remove(trigram[0])
    assert fingerprint.differences(sqlite, postgresql) == []
