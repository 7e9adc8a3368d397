"""``rollback --backup`` after a finished upgrade, the output formats and PostgreSQL homes."""

from __future__ import annotations

import json
import sqlite3

import pytest

from loom_upgrade.engine.components import detect
from tests.e2e.conftest import differing, journal_records, tree_digest
from tests.e2e.pg_homes import postgres_home

pytestmark = pytest.mark.slow


def _backup_id(home) -> str:
    return next(record["id"] for record in journal_records(home) if record["type"] == "backup")


def test_rollback_after_upgrade_needs_discard_writes(deployment):
    deployed = deployment("1.0.0", turns=20)
    before = tree_digest(deployed.home)
    assert deployed.apply("--no-artifact").returncode == 0
    backup_id = _backup_id(deployed.home)
    with sqlite3.connect(deployed.home / "data" / "loom.db") as connection:
        connection.execute(
            "INSERT INTO users (name, role, created_at) VALUES ('late-writer', 'player', '2026-12-01 00:00:00')"
        )

    rejected = deployed.cli("rollback", "--home", str(deployed.home), "--backup", backup_id, "--yes")

    assert rejected.returncode == 2
    assert f"were written after backup {backup_id}" in rejected.stderr
    assert "--discard-writes" in rejected.stderr
    assert detect(deployed.home).release == "1.1.0"

    restored = deployed.cli(
        "rollback", "--home", str(deployed.home), "--backup", backup_id, "--discard-writes", "--yes", "--output", "jsonl"
    )

    assert restored.returncode == 0, restored.stderr
    [line] = restored.stdout.splitlines()
    assert json.loads(line)["backup"] == backup_id
    assert detect(deployed.home).release == "1.0.0"
    assert differing(before, tree_digest(deployed.home)) == []
    # The restore is a run of its own in status and history.
    status = json.loads(deployed.cli("status", "--home", str(deployed.home), "--output", "json").stdout)
    assert status["last_run"]["outcome"] == "restored"
    assert status["last_run"]["backup"] == backup_id
    assert (status["last_run"]["from"], status["last_run"]["to"]) == ("1.1.0", "1.0.0")
    history = deployed.cli("history", "--home", str(deployed.home), "--output", "jsonl").stdout.splitlines()
    assert [json.loads(line)["outcome"] for line in history] == ["done", "restored"]
    human = deployed.cli("status", "--home", str(deployed.home)).stdout
    assert f"backup {backup_id} restored" in human


def test_jsonl_output_lists_every_event(deployment, tmp_path):
    deployed = deployment("1.0.0", turns=5)
    summary = tmp_path / "summary.md"
    deployed.env["GITHUB_STEP_SUMMARY"] = str(summary)

    result = deployed.apply("--no-artifact", "--output", "jsonl")

    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[0]["kind"] == "run-started"
    assert {"kind": "result", "outcome": "done", "from": "1.0.0", "to": "1.1.0"} == events[-1]
    finished = [event["step_id"] for event in events if event["kind"] == "step-finished"]
    assert "hop2.db-migrate" in finished
    assert "| hop2.db-migrate |" in summary.read_text(encoding="utf-8")


def test_json_output_of_failed_run(deployment):
    deployed = deployment("1.0.0", turns=5)

    result = deployed.apply("--no-artifact", "--output", "json", "--fail-at", "verify")

    assert result.returncode == 1
    error = json.loads(result.stdout.splitlines()[-1])
    assert error["error"] == "RolledBackError"
    assert error["exit_code"] == 1
    assert "verify" in error["message"]


def test_chinese_messages(deployment):
    deployed = deployment("1.0.0", turns=5)

    result = deployed.cli("--lang", "zh", "apply", "--home", str(deployed.home), "--yes", "--no-artifact")

    assert result.returncode == 0, result.stderr
    assert "正在从 1.0.0 升级到 1.1.0" in result.stdout
    assert "完成：主目录已在 1.1.0 验证通过。" in result.stdout


def test_chinese_failure_and_history(deployment):
    deployed = deployment("1.0.0", turns=5)

    failed = deployed.cli("--lang", "zh", "apply", "--home", str(deployed.home), "--yes", "--no-artifact", "--fail-at", "smoke")
    history = deployed.cli("--lang", "zh", "history", "--home", str(deployed.home))

    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "故意失败" in failed.stderr
    assert "。。" not in failed.stderr
    assert "ERROR" not in failed.stderr
    assert "已回滚" in history.stdout
    assert "rolled-back" not in history.stdout


@pytest.mark.postgres
def test_postgres_home_upgrade_and_rollback(deployment, postgres_server):
    deployed = postgres_home(deployment("1.0.0", turns=20), postgres_server)
    from loom_upgrade.verify import logical_digest

    url = detect(deployed.home).db_url
    before = logical_digest(url, home=deployed.home)

    failed = deployed.apply("--no-artifact", "--fail-at", "db-migrate")

    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert logical_digest(url, home=deployed.home) == before
    assert detect(deployed.home).release == "1.0.0"

    done = deployed.apply("--no-artifact")

    assert done.returncode == 0, done.stdout + done.stderr
    state = detect(deployed.home)
    assert state.release == "1.1.0"
    assert state.db_revision == "1100"


def test_rollback_backup_ends_interrupted_run(deployment):
    deployed = deployment("1.0.0", turns=10)
    before = tree_digest(deployed.home)
    deployed.env["LOOM_UPGRADE_CRASH_AT"] = "hop2.db-migrate:middle"
    crashed = deployed.apply("--no-artifact")
    assert crashed.returncode == -9, crashed.stderr
    del deployed.env["LOOM_UPGRADE_CRASH_AT"]
    backup_id = _backup_id(deployed.home)

    restored = deployed.cli(
        "rollback", "--home", str(deployed.home), "--backup", backup_id, "--discard-writes", "--yes", "--output", "jsonl"
    )

    assert restored.returncode == 0, restored.stderr
    [line] = restored.stdout.splitlines()
    assert json.loads(line)["backup"] == backup_id
    assert detect(deployed.home).release == "1.0.0"
    assert differing(before, tree_digest(deployed.home)) == []
    interrupted, restore = sorted((deployed.home / ".loom-upgrade" / "journal").glob("*.jsonl"))
    assert json.loads(interrupted.read_text(encoding="utf-8").splitlines()[-1])["outcome"] == "rolled-back"
    assert json.loads(restore.read_text(encoding="utf-8").splitlines()[-1])["outcome"] == "restored"
    assert deployed.apply("--no-artifact").returncode == 0
