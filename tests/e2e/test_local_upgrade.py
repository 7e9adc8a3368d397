"""End-to-end upgrades of local homes with real virtualenvs and a supervised service."""

from __future__ import annotations

import json

import pytest
from ruamel.yaml import YAML

from loom_upgrade.engine.components import schema_fingerprint
from tests.e2e.conftest import STATE, HealthPoller, differing, journal_records, tree_digest

pytestmark = pytest.mark.slow

NEW_VARIABLES = (
    "NARRATIVE_INTERPRETER_MODE",
    "CONSISTENCY_CHECK_LEVEL",
    "MEMORY_STORAGE_TYPE",
    "INTERVENTION_HANDLING_MODE",
    "ENABLE_PERFORMANCE_MONITORING",
    "METRICS_EXPORT_PORT",
)


def _row_counts(home) -> dict[str, int]:
    from loom_upgrade.verify import snapshot_rows

    snapshot = snapshot_rows(f"sqlite:///{home / 'data' / 'loom.db'}", home=home)
    return {name: table.rows for name, table in snapshot.tables.items()}


def _running_1_0_0(deployment, upgrade_wheelhouse):
    deployed = deployment("1.0.0")
    deployed.install_venv("1.0.0", upgrade_wheelhouse)
    deployed.start()
    assert deployed.health()["version"] == "1.0.0"
    return deployed


def test_apply_switches_running_service(deployment, upgrade_wheelhouse):
    deployed = _running_1_0_0(deployment, upgrade_wheelhouse)
    rows_before = _row_counts(deployed.home)

    with HealthPoller(deployed.base_url) as poller:
        result = deployed.apply(wheelhouse=upgrade_wheelhouse)

    assert result.returncode == 0, result.stdout + result.stderr
    assert deployed.health()["version"] == "1.1.0"
    assert poller.versions() == ["1.0.0", "1.1.0"]
    print(f"downtime seen by a client polling /health every 50 ms: {poller.longest_outage():.2f} s")
    assert (deployed.home / STATE / "venv.previous-1.0.0" / "bin" / "loom").exists()
    assert not (deployed.home / STATE / "staging").exists()
    assert not (deployed.home / "venv.new").exists()
    # Short downtime: the new release was installed (in the state folder) before the stop.
    records = journal_records(deployed.home)
    prepared_at = next(i for i, r in enumerate(records) if r.get("type") == "context" and "artifact_prepared" in r["values"])
    stopped_at = next(i for i, r in enumerate(records) if r.get("type") == "step" and r["id"] == "stop")
    assert prepared_at < stopped_at
    assert records[prepared_at]["values"]["artifact_prepared"] == str(deployed.home / STATE / "staging" / "venv")
    rows_after = _row_counts(deployed.home)
    for table, count in rows_before.items():
        # The smoke test adds its own session, turns, user and token; nothing is lost.
        assert rows_after[table] >= count, table


@pytest.mark.parametrize("step", ["smoke", "db-migrate"])
def test_fail_at_restores_home_exactly(deployment, upgrade_wheelhouse, step):
    deployed = _running_1_0_0(deployment, upgrade_wheelhouse)
    before = tree_digest(deployed.home)

    result = deployed.apply("--fail-at", step, wheelhouse=upgrade_wheelhouse)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "on purpose" in result.stderr
    assert "loom_upgrade.engine.runner" not in result.stderr  # no log lines without -v
    assert deployed.health()["version"] == "1.0.0"
    assert differing(before, tree_digest(deployed.home)) == []
    records = journal_records(deployed.home)
    assert records[-1]["outcome"] == "rolled-back"


def test_apply_to_0_10_without_artifact(deployment, make_home):
    deployed = deployment("0.9.3")
    rows_before = _row_counts(deployed.home)

    result = deployed.apply("--to", "0.10", "--no-artifact")

    assert result.returncode == 0, result.stdout + result.stderr
    fresh = make_home("0.10.0", turns=5)
    assert schema_fingerprint(f"sqlite:///{deployed.home / 'data' / 'loom.db'}") == schema_fingerprint(
        f"sqlite:///{fresh / 'data' / 'loom.db'}"
    )
    env_text = (deployed.home / ".env").read_text(encoding="utf-8")
    for name in NEW_VARIABLES:
        assert f"\n{name}=" in env_text, name
    config = YAML(typ="safe").load((deployed.home / "config" / "default_config.yaml").read_text(encoding="utf-8"))
    assert config["interpreter"]["mode"] == "advanced"
    rows_after = _row_counts(deployed.home)
    renamed = {"game_sessions": "narrative_sessions", "game_turns": "narrative_turns", "game_facts": "memory_facts"}
    for table, count in rows_before.items():
        assert rows_after[renamed.get(table, table)] == count, table
    assert not (deployed.home / "venv").exists()


@pytest.mark.parametrize("release", ["0.9.3", "0.1.0"])
def test_old_home_reaches_newest_release(deployment, upgrade_wheelhouse, release):
    deployed = deployment(release)
    config_before = (deployed.home / "config" / "default_config.yaml").read_text(encoding="utf-8")
    env_before = (deployed.home / ".env").read_text(encoding="utf-8")

    result = deployed.apply(wheelhouse=upgrade_wheelhouse)

    assert result.returncode == 0, result.stdout + result.stderr
    health = deployed.health()
    assert health["version"] == "1.1.0"
    assert health["schema_revision"] == "1100"
    config_after = (deployed.home / "config" / "default_config.yaml").read_text(encoding="utf-8")
    for line in config_before.splitlines():
        if line.strip().startswith("#"):
            assert line in config_after, line
    env_after = (deployed.home / ".env").read_text(encoding="utf-8")
    for line in env_before.splitlines():
        if line.startswith("#") or line.startswith("OPENAI_API_KEY") or line.startswith("LOOM_LOG_LEVEL"):
            assert line in env_after, line
    assert "NARRATIVE_INTERPRETER_MODE=" in env_after
    assert "MEMORY_STORAGE_TYPE=" not in env_after
    hops = [record["id"] for record in journal_records(deployed.home) if record.get("type") == "step" and record["id"].endswith("verify-hop") and record["status"] == "done"]
    assert len(hops) >= 3


def test_export_import_path(deployment, upgrade_wheelhouse):
    deployed = deployment("0.2.0")
    rows_before = _row_counts(deployed.home)

    result = deployed.apply("--path", "export-import", wheelhouse=upgrade_wheelhouse)

    assert result.returncode == 0, result.stdout + result.stderr
    assert deployed.health()["version"] == "1.1.0"
    rows_after = _row_counts(deployed.home)
    # The smoke test plays one session of its own on top of the imported rows.
    assert rows_after["narrative_turns"] >= rows_before["game_turns"]
    assert rows_after["memory_facts"] >= rows_before["game_facts"]
    records = journal_records(deployed.home)
    assert any(record.get("id") == "hop1.db-migrate" and record.get("status") == "done" for record in records)


def test_apply_already_done_changes_nothing(deployment):
    deployed = deployment("1.1.0")
    before = tree_digest(deployed.home)

    result = deployed.apply("--no-artifact")

    assert result.returncode == 0, result.stderr
    assert "already at 1.1.0" in result.stdout
    assert differing(before, tree_digest(deployed.home)) == []


def test_traffic_steps_run_as_no_ops_on_local_target(deployment, tmp_path):
    deployed = deployment("1.0.0", turns=5)
    playbook = tmp_path / "blue-green-ish.yaml"
    text = deployed.playbook.read_text(encoding="utf-8")
    playbook.write_text(
        text.replace("  - {id: verify, kind: verify}",
                     "  - {id: traffic-switch, kind: traffic-switch}\n  - {id: retire, kind: retire}\n  - {id: verify, kind: verify}"),
        encoding="utf-8",
    )
    deployed.playbook = playbook

    result = deployed.apply("--no-artifact")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "✓ traffic-switch: Nothing to switch: the local target runs one instance" in result.stdout
    assert "✓ retire: Nothing to retire" in result.stdout


def test_dry_run_changes_nothing(deployment):
    deployed = deployment("0.9.3")
    before = tree_digest(deployed.home)

    result = deployed.apply("--dry-run", "--no-artifact")

    assert result.returncode == 0, result.stderr
    assert "Dry run: nothing was changed." in result.stdout
    assert "interpreter" in result.stdout  # the config diff of the 0.10.0 hop
    # Diffs name the home's own paths, never the scratch copy the dry run works in.
    assert "loom-upgrade-dry-run-" not in result.stdout
    assert "+++ b/config/default_config.yaml" in result.stdout
    assert "+++ b/.env" in result.stdout
    assert "+NARRATIVE_INTERPRETER_MODE=advanced" in result.stdout
    assert "OPENAI_API_KEY=****" in result.stdout
    assert "sk-test-fixture-not-a-real-key" not in result.stdout
    assert "+++ b/canon/default.md" in result.stdout
    assert "ALTER TABLE" in result.stdout  # the database as SQL
    assert differing(before, tree_digest(deployed.home)) == []


def test_live_lock_rejects_second_run(deployment):
    deployed = deployment("1.0.0")
    (deployed.home / STATE).mkdir(exist_ok=True)
    import os
    import socket
    import time

    lock = {"pid": os.getpid(), "host": socket.gethostname(), "started_at": time.time(), "command": "apply (test)"}
    (deployed.home / STATE / "lock").write_text(json.dumps(lock), encoding="utf-8")

    result = deployed.apply("--no-artifact")

    assert result.returncode == 5
    assert f"pid {os.getpid()}" in result.stderr
    assert "apply (test)" in result.stderr


def test_tampered_plan_rejected(deployment):
    deployed = deployment("1.0.0")
    plan_file = deployed.home.parent / "plan.json"
    made = deployed.cli("plan", "--home", str(deployed.home), "--out", str(plan_file))
    assert made.returncode == 0, made.stderr
    document = json.loads(plan_file.read_text(encoding="utf-8"))
    document["to"] = "1.0.1"
    plan_file.write_text(json.dumps(document), encoding="utf-8")

    result = deployed.cli("apply", str(plan_file), "--home", str(deployed.home), "--yes", "--no-artifact")

    assert result.returncode == 2
    assert "was modified after it was saved" in result.stderr


def test_stale_plan_rejected(deployment):
    deployed = deployment("1.0.0")
    plan_file = deployed.home.parent / "plan.json"
    made = deployed.cli("plan", "--home", str(deployed.home), "--out", str(plan_file))
    assert made.returncode == 0, made.stderr
    config = deployed.home / "config" / "default_config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\n# edited after planning\n", encoding="utf-8")

    result = deployed.cli("apply", str(plan_file), "--home", str(deployed.home), "--yes", "--no-artifact")

    assert result.returncode == 2
    assert "The plan is stale" in result.stderr


def test_apply_without_yes_outside_terminal(deployment):
    deployed = deployment("1.0.0")

    result = deployed.cli("apply", "--home", str(deployed.home), "--no-artifact")

    assert result.returncode == 2
    assert "Pass --yes" in result.stderr
    assert not (deployed.home / STATE / "journal").exists()
