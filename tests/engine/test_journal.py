from __future__ import annotations

from loom_upgrade.engine.journal import Journal, last_unfinished_run, list_runs, read_run


def test_journal_replays_step_status(tmp_path):
    journal = Journal.create(tmp_path, "run-1")
    journal.append("run-start", command="apply", from_release="1.0.0", to_release="1.1.0", steps=["a", "b"])
    journal.append("step", id="a", kind="stop", status="started")
    journal.append("step", id="a", kind="stop", status="done", data={"pid": 7})
    journal.append("context", values={"service_was_running": True})
    run = read_run(journal.path)
    assert run.status_of("a") == "done"
    assert run.steps["a"].data == {"pid": 7}
    assert run.status_of("b") is None
    assert run.context == {"service_was_running": True}
    assert not run.finished


def test_journal_ignores_torn_last_record(tmp_path):
    journal = Journal.create(tmp_path, "run-1")
    journal.append("run-start", command="apply", steps=["a"])
    journal.append("step", id="a", kind="stop", status="started")
    with journal.path.open("a", encoding="utf-8") as handle:
        handle.write('{"type": "step", "id": "a", "status": "do')
    run = read_run(journal.path)
    assert run.status_of("a") == "started"


def test_unfinished_run_found_among_finished(tmp_path):
    done = Journal.create(tmp_path, "20260101T000000Z-a")
    done.append("run-start", command="apply", steps=[])
    done.append("run-end", outcome="done")
    open_run = Journal.create(tmp_path, "20260102T000000Z-b")
    open_run.append("run-start", command="apply", steps=[])
    assert [run.run_id for run in list_runs(tmp_path)] == ["20260101T000000Z-a", "20260102T000000Z-b"]
    assert last_unfinished_run(tmp_path).run_id == "20260102T000000Z-b"


def test_journal_file_is_private(tmp_path):
    journal = Journal.create(tmp_path, "run-1")
    journal.append("run-start", command="apply", steps=[])
    assert journal.path.stat().st_mode & 0o777 == 0o600
