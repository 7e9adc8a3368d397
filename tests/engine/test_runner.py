from __future__ import annotations

import pytest

from loom_upgrade.engine import journal
from loom_upgrade.engine.journal import read_run
from loom_upgrade.engine.runner import Engine
from loom_upgrade.errors import PlaybookError, UsageError
from loom_upgrade.targets.fake import FakeTarget
from tests.engine.helpers import RecordingBackup, ServiceStop, WriteFile, make_context


def _steps(**write_params):
    return [
        ServiceStop("stop"),
        RecordingBackup("backup"),
        WriteFile("write-a", {"file": "a.txt", "line": "A"}),
        WriteFile("write-b", {"file": "b.txt", "line": "B", **write_params}),
    ]


def test_engine_runs_every_step_in_order(tmp_path):
    ctx = make_context(tmp_path)
    outcome = Engine(ctx, _steps()).run(command="apply")
    assert outcome.outcome == journal.OUTCOME_DONE
    assert (tmp_path / "a.txt").read_text() == "A\n"
    assert (tmp_path / "b.txt").read_text() == "B\n"
    state = read_run(outcome.journal_path)
    assert [state.status_of(step) for step in state.order] == ["done"] * 4
    assert state.outcome == "done"


def test_engine_failure_undoes_started_steps_newest_first(tmp_path):
    target = FakeTarget(tmp_path, running=True)
    ctx = make_context(tmp_path, target=target)
    outcome = Engine(ctx, _steps(fail=True)).run(command="apply")
    assert outcome.outcome == journal.OUTCOME_ROLLED_BACK
    assert outcome.failed_step == "write-b"
    assert "write failed on purpose" in outcome.error
    assert ctx.values["trail"] == ["run:backup", "run:write-a", "undo:write-b", "undo:write-a", "undo:backup"]
    assert (tmp_path / "a.txt").read_text() == ""
    assert target.running is True
    state = read_run(outcome.journal_path)
    assert state.status_of("write-b") == "undone"
    assert state.outcome == "rolled-back"


def test_engine_fail_at_matches_kind_and_id(tmp_path):
    ctx = make_context(tmp_path, fail_at="test-write")
    outcome = Engine(ctx, _steps()).run(command="apply")
    assert outcome.failed_step == "write-a"
    assert not (tmp_path / "a.txt").exists() or (tmp_path / "a.txt").read_text() == ""


def test_engine_fail_at_unknown_step_rejected(tmp_path):
    ctx = make_context(tmp_path, fail_at="nope")
    with pytest.raises(UsageError) as info:
        Engine(ctx, _steps())
    assert "--fail-at nope names no step of this plan." in info.value.message


def test_engine_mutating_step_before_backup_rejected(tmp_path):
    ctx = make_context(tmp_path)
    with pytest.raises(PlaybookError) as info:
        Engine(ctx, [WriteFile("early", {"file": "x"}), RecordingBackup("backup")])
    assert "early (test-write) changes the deployment but comes before any backup step" in info.value.message


def test_engine_undo_failure_reports_rollback_failed(tmp_path):
    target = FakeTarget(tmp_path, running=True)
    target.fail_on.add("start_service")
    ctx = make_context(tmp_path, target=target)
    outcome = Engine(ctx, _steps(fail=True)).run(command="apply")
    assert outcome.outcome == journal.OUTCOME_ROLLBACK_FAILED
    assert "stop: fake target: start_service failed on purpose" in outcome.rollback_error


def test_engine_rollback_verifier_failure_reported(tmp_path):
    def verifier(ctx):
        raise RuntimeError("rows differ")

    ctx = make_context(tmp_path)
    outcome = Engine(ctx, _steps(fail=True), rollback_verifier=verifier).run(command="apply")
    assert outcome.outcome == journal.OUTCOME_ROLLBACK_FAILED
    assert "rows differ" in outcome.rollback_error


def test_engine_resume_restores_interrupted_step(tmp_path):
    (tmp_path / "b.txt").write_text("original\n")
    ctx = make_context(tmp_path)
    steps = _steps()
    engine = Engine(ctx, steps)
    # Simulate a crash inside write-b: journal it as started after a half-done write.
    engine._journal_start("apply")
    for step in steps[:3]:
        engine._run_one(step)
    engine._save_pre_image(steps[3])
    engine._journal_step(steps[3], journal.STARTED)
    (tmp_path / "b.txt").write_text("original\nB\n")

    state = read_run(ctx.journal.path)
    resumed_ctx = make_context(tmp_path)
    resumed_ctx.run_id = ctx.run_id
    resumed_ctx.journal = ctx.journal
    outcome = Engine(resumed_ctx, _steps()).run(command="apply --resume", resume=state)
    assert outcome.outcome == journal.OUTCOME_DONE
    assert (tmp_path / "b.txt").read_text() == "original\nB\n"
    assert (tmp_path / "a.txt").read_text() == "A\n"
    assert resumed_ctx.values["backup_verified"] is True


def test_engine_events_cover_each_step(tmp_path):
    ctx = make_context(tmp_path)
    seen = []
    ctx.bus.subscribe(lambda event: seen.append((event.kind, event.step_id)))
    Engine(ctx, _steps()).run(command="apply")
    assert seen[0] == ("run-started", None)
    assert ("step-finished", "write-b") in seen
    assert seen[-1] == ("run-finished", None)


def test_fail_at_checked_against_playbook_names():
    from loom_upgrade.engine.playbook import load_playbook
    from loom_upgrade.engine.runner import check_fail_at_names

    playbook = load_playbook()
    for name in ("smoke", "db-migrate", "verify-data", "hop2.db-migrate", "artifact-switch"):
        check_fail_at_names(playbook, name)
    with pytest.raises(UsageError) as info:
        check_fail_at_names(playbook, "nosuch")
    assert "--fail-at nosuch names no step of the playbook" in info.value.message
    assert "smoke" in info.value.fix
    with pytest.raises(UsageError):
        check_fail_at_names(playbook, "hopx.db-migrate")


def test_fail_at_rejected_when_home_already_at_target(make_home):
    from loom_upgrade.engine.apply import ApplyRequest, apply
    from loom_upgrade.engine.context import ApplyOptions

    home = make_home("1.1.0", turns=2)
    with pytest.raises(UsageError) as info:
        apply(ApplyRequest(home=home, options=ApplyOptions(fail_at="nosuch")))
    assert info.value.exit_code == 2
    assert "--fail-at nosuch" in info.value.message
