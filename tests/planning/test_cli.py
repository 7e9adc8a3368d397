import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from loom_upgrade.catalog import load_schema
from tests.planning.conftest import free_port

LOOM_UPGRADE = Path(sys.executable).parent / "loom-upgrade"
SIX_VARIABLES = [
    "NARRATIVE_INTERPRETER_MODE",
    "CONSISTENCY_CHECK_LEVEL",
    "MEMORY_STORAGE_TYPE",
    "INTERVENTION_HANDLING_MODE",
    "ENABLE_PERFORMANCE_MONITORING",
    "METRICS_EXPORT_PORT",
]


def run(*args, cwd, extra_env=None):
    env = {k: v for k, v in os.environ.items() if k not in ("LOOM_HOME", "GITHUB_STEP_SUMMARY")}
    env.update({"LANG": "C.UTF-8", "COLUMNS": "200", "NO_COLOR": "1"})
    env.update(extra_env or {})
    return subprocess.run(
        [str(LOOM_UPGRADE), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_plan_cli_shows_new_requirements(tmp_path):
    result = run("plan", "--from", "0.9", "--to", "0.10", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Upgrade 0.9.3 -> 0.10.0: minor, risk high, path in-place, 1 hop(s)." in out
    for name in SIX_VARIABLES:
        assert name in out
    assert "interpreter.mode: advanced" in out
    assert "monitoring.metrics_port: 8001" in out
    assert ".env merge" in out
    assert "keeps every existing value and comment and appends NARRATIVE_INTERPRETER_MODE" in out
    assert "loom check --compatibility" in out
    assert "0100 (contract)" in out
    assert "hop1.db-migrate" in out


def test_plan_cli_downgrade_exits_2(tmp_path):
    result = run("plan", "--from", "1.0", "--to", "0.9", cwd=tmp_path)
    assert result.returncode == 2
    assert "error: Downgrades are not planned: 0.9.3 is older than 1.0.1." in result.stderr
    assert "Known releases: 0.1.0, 0.2.0, 0.9.0" in result.stderr
    assert result.stdout == ""


def test_plan_cli_from_mismatch_exits_2(tmp_path, make_test_home):
    home = make_test_home("0.9.3")
    result = run("plan", "--home", str(home), "--from", "0.10", "--to", "1.0", cwd=tmp_path)
    assert result.returncode == 2
    assert "--from 0.10 does not match the home, which runs 0.9.3." in result.stderr


def test_plan_cli_saves_signed_plan(tmp_path, make_test_home):
    home = make_test_home("0.9.3")
    out = tmp_path / "plan.json"
    summary = tmp_path / "summary.md"
    result = run(
        "plan", "--home", str(home), "--to", "0.10", "--out", str(out), "--output", "json",
        cwd=tmp_path, extra_env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    jsonschema.validate(report, load_schema("report.schema.json"))
    jsonschema.validate(report["plan"], load_schema("plan.schema.json"))
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["fingerprint"]["release"] == "0.9.3"
    assert saved["digest"] == report["plan"]["digest"]
    markdown = summary.read_text(encoding="utf-8")
    assert markdown.startswith("## loom-upgrade plan 0.9.3 -> 0.10.0")
    assert "NARRATIVE_INTERPRETER_MODE" in markdown


def test_plan_cli_out_needs_home(tmp_path):
    result = run("plan", "--from", "0.9", "--to", "0.10", "--out", str(tmp_path / "p.json"), cwd=tmp_path)
    assert result.returncode == 2
    assert "is not a LOOM home: config/default_config.yaml is missing." in result.stderr


def test_releases_cli_json(tmp_path):
    result = run("releases", "--output", "json", cwd=tmp_path)
    assert result.returncode == 0
    report = json.loads(result.stdout)
    jsonschema.validate(report, load_schema("report.schema.json"))
    assert [r["version"] for r in report["releases"]][-1] == "1.1.0"


def test_releases_cli_marks_home_release(tmp_path, make_test_home):
    home = make_test_home("0.9.2")
    result = run("releases", "--home", str(home), cwd=tmp_path)
    assert result.returncode == 0
    assert "0.9.2 *" in result.stdout
    assert "Phase-1 refactor" in result.stdout
    assert f"* the release of {home}" in result.stdout


@pytest.mark.slow
def test_preflight_cli_exit_codes(tmp_path, make_test_home):
    home = make_test_home("0.9.3")
    summary = tmp_path / "summary.md"
    healthy = run("preflight", "--home", str(home), cwd=tmp_path, extra_env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "PASS     db-integrity" in healthy.stdout or "PASS" in healthy.stdout
    assert "Preflight passed." in healthy.stdout
    assert "## loom-upgrade preflight passed" in summary.read_text(encoding="utf-8")

    with sqlite3.connect(home / "data" / "loom.db") as connection:
        connection.execute("CREATE TABLE _alembic_tmp_turns (id INTEGER PRIMARY KEY)")
    connection.close()
    failing = run("preflight", "--home", str(home), "--output", "json", cwd=tmp_path)
    assert failing.returncode == 3
    report = json.loads(failing.stdout)
    jsonschema.validate(report, load_schema("report.schema.json"))
    assert report["preflight"]["failed"] == ["stale-batch-tables"]
    assert report["exit_code"] == 3

    skipped = run(
        "preflight", "--home", str(home), "--skip-check", "stale-batch-tables", "--output", "jsonl", cwd=tmp_path
    )
    assert skipped.returncode == 0
    lines = [json.loads(line) for line in skipped.stdout.splitlines()]
    assert [line["name"] for line in lines[:-1]][5] == "stale-batch-tables"
    assert lines[5]["overridden"] is True
    assert lines[-1]["preflight"]["overridden"] == ["stale-batch-tables"]


@pytest.mark.parametrize("flag", ["--skip-check"])
def test_preflight_cli_unknown_check(tmp_path, make_test_home, flag):
    home = make_test_home("0.9.3")
    result = run("preflight", "--home", str(home), flag, "disk", cwd=tmp_path)
    assert result.returncode == 2
    assert "error: --skip-check disk names no preflight check." in result.stderr


def test_plan_cli_with_home_shows_estimates(tmp_path, make_test_home):
    home = make_test_home("0.9.3", turns=50)
    result = run("plan", "--to", "0.10", cwd=tmp_path, extra_env={"LOOM_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert f"Home: {home}" in result.stdout
    assert "Config changes of hop 1 (dry run):" in result.stdout
    assert "+interpreter:" in result.stdout
    assert "Estimated backup: " in result.stdout
    assert "they are not measurements." in result.stdout


def test_plan_cli_names_unreadable_database(tmp_path):
    from tests.planning.fixture_home import build_home

    home = build_home(tmp_path / "home", "0.9.3")
    database = home / "data" / "loom.db"
    database.write_bytes(b"not a database " * 400)

    plan = run("plan", "--home", str(home), cwd=tmp_path)
    backup = run("backup", "create", "--home", str(home), "--output", "json", cwd=tmp_path)

    reason = (
        f"The release of the home {home} cannot be detected. "
        f"The database sqlite:///{database} cannot be read: file is not a database."
    )
    fix = (
        f"Run loom-upgrade preflight --home {home} to check the database; if it is damaged, restore it with "
        "loom-upgrade rollback --backup ID (loom-upgrade backup list shows the IDs)."
    )
    assert plan.returncode == 2
    assert f"error: {home}: {reason}\nfix: {fix}\n" in plan.stderr
    assert "--from" not in plan.stderr
    assert backup.returncode == 2
    assert json.loads(backup.stdout)["message"] == reason
    assert json.loads(backup.stdout)["fix"] == fix


def test_preflight_cli_checks_wheelhouse(tmp_path):
    from tests.planning.fixture_home import build_home

    home = build_home(tmp_path / "home", "1.0.0")
    wheelhouse = tmp_path / "wheels"
    wheelhouse.mkdir()

    port = str(free_port())
    result = run("preflight", "--home", str(home), "--wheelhouse", str(wheelhouse), "--port", port, "--output", "json", cwd=tmp_path)

    assert result.returncode == 3, result.stderr
    checks = {check["name"]: check for check in json.loads(result.stdout)["preflight"]["checks"]}
    assert checks["path-validation"]["detail"] == (
        f"The new release cannot be installed: no wheel matching loom_narrative-1.1.0-*.whl in {wheelhouse}."
    )
