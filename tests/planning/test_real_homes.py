"""Detection, planning and preflight against the fixture homes of every past release."""

import pytest

from loom_migrations.runner import upgrade, write_release
from loom_upgrade.home import detect_home
from loom_upgrade.home.database import redact
from loom_upgrade.planner import plan_upgrade
from loom_upgrade.preflight import run_preflight
from tests.support.postgres import free_port

RELEASES = ["0.1.0", "0.2.0", "0.9.0", "0.9.1", "0.9.2", "0.9.3", "0.10.0", "1.0.0", "1.0.1", "1.1.0"]


def _check(report, name):
    return next(check for check in report.checks if check.name == name)


@pytest.mark.parametrize("release", RELEASES)
def test_detect_fixture_home(catalog, make_home, release):
    state = detect_home(make_home(release, turns=30), catalog, probe_venv=False)
    assert state.release == release
    assert state.db_revision == catalog.release(release).db_revision
    assert state.config_format == catalog.release(release).config_schema
    assert state.inconsistencies == ()
    assert state.total_rows > 30


def test_preflight_whole_path_on_fixture(catalog, make_home):
    home = make_home("0.1.0", turns=30)
    state = detect_home(home, catalog, probe_venv=False)
    plan = plan_upgrade(catalog, from_spec="0.1", to_spec="1.1", home=state)
    report = run_preflight(state, plan, catalog=catalog, port=free_port())
    assert report.failed == []
    assert _check(report, "path-validation").measured == "9 hop(s)"


def test_preflight_export_import_on_fixture(catalog, make_home):
    home = make_home("0.2.0", turns=30)
    state = detect_home(home, catalog, probe_venv=False)
    plan = plan_upgrade(catalog, from_spec=None, to_spec="1.0.0", home=state, path_mode="export-import")
    report = run_preflight(state, plan, catalog=catalog, port=free_port())
    assert [hop.path for hop in plan.hops] == ["export-import"]
    assert report.failed == []


@pytest.mark.postgres
def test_detect_and_check_postgres_home(catalog, make_home, postgres_url):
    upgrade(postgres_url, "1002")
    write_release(postgres_url, "1.0.0")
    home = make_home("1.0.0", turns=30)
    with (home / ".env").open("a", encoding="utf-8") as env:
        env.write(f"LOOM_STORAGE_URL={postgres_url}\n")

    state = detect_home(home, catalog, probe_venv=False)
    assert state.db_kind == "postgresql"
    assert state.release == "1.0.0"
    assert state.db_revision == "1002"
    assert "memory_facts" in state.tables
    report = run_preflight(state, plan_upgrade(catalog, from_spec=None, to_spec="1.1", home=state), catalog=catalog)
    assert _check(report, "db-integrity").passed
    assert _check(report, "db-integrity").measured.startswith("PostgreSQL 15")


@pytest.mark.postgres
def test_postgres_unreachable_fails_integrity(catalog, make_home, postgres_server):
    home = make_home("1.0.0", turns=30)
    # A free port has no server behind it.
    url = f"postgresql+psycopg://loom:secret-pw@127.0.0.1:{free_port()}/loom"
    with (home / ".env").open("a", encoding="utf-8") as env:
        env.write(f"LOOM_STORAGE_URL={url}\n")
    state = detect_home(home, catalog, probe_venv=False)
    assert state.db_error is not None
    assert "secret-pw" not in state.db_error
    check = _check(run_preflight(state, None, catalog=catalog), "db-integrity")
    assert not check.passed
    assert check.measured == "unreachable"
    assert "secret-pw" not in check.detail
    assert check.detail == f"Cannot connect to {redact(url)}."
    assert "loom:***@127.0.0.1" in check.detail
