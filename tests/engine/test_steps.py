"""Steps that only use the target protocol, run against the fake target."""

from __future__ import annotations

import pytest

from loom_upgrade.engine.journal import StepRecord
from loom_upgrade.steps.artifact import ArtifactSwitchStep
from loom_upgrade.steps.service import StartStep, StopStep
from loom_upgrade.targets.fake import FakeTarget
from tests.engine.helpers import make_context


def test_stop_remembers_running_service(tmp_path, monkeypatch):
    monkeypatch.setattr("loom_upgrade.engine.components.latency_baseline", lambda url, params: {"p50_ms": 1.0})
    target = FakeTarget(tmp_path, running=True)
    ctx = make_context(tmp_path, target=target)
    StopStep("stop").run(ctx)
    assert ctx.values["service_was_running"] is True
    assert ctx.values["latency_baseline"] == {"p50_ms": 1.0}
    assert target.running is False

    StopStep("stop").undo(ctx, StepRecord("stop", "stop", "done"))
    assert target.running is True


def test_stop_of_stopped_service_is_noop(tmp_path):
    target = FakeTarget(tmp_path, running=False)
    ctx = make_context(tmp_path, target=target)
    data = StopStep("stop").run(ctx)
    assert data["summary"] == "The service was not running."
    assert ("stop_service", None) not in target.calls


def test_start_keeps_stopped_home_below_newest(tmp_path):
    target = FakeTarget(tmp_path, running=False)
    ctx = make_context(tmp_path, target=target)
    ctx.to_release = "1.0.0"
    ctx.values["service_was_running"] = False
    data = StartStep("start").run(ctx)
    assert data["started"] is False
    assert target.running is False


def test_start_at_newest_release_starts_service(tmp_path):
    target = FakeTarget(tmp_path, running=False)
    ctx = make_context(tmp_path, target=target)
    ctx.values["service_was_running"] = False
    data = StartStep("start").run(ctx)
    assert data["started"] is True
    assert target.running is True


def test_artifact_switch_and_undo(tmp_path):
    target = FakeTarget(tmp_path, version="1.0.0")
    ctx = make_context(tmp_path, target=target)
    step = ArtifactSwitchStep("artifact-switch")
    step.prepare(ctx)
    data = step.run(ctx)
    assert target.version == "1.1.0"
    assert data["record"] == {"previous_version": "1.0.0", "version_before": "1.0.0"}
    assert ctx.values["artifact_record"] == data["record"]  # journaled by the switch itself

    step.undo(ctx, StepRecord("artifact-switch", "artifact-switch", "done", data=data))
    assert target.version == "1.0.0"
    assert [name for name, _ in target.calls if name.startswith("artifact")] == [
        "artifact_install",
        "artifact_switch",
        "artifact_restore",
    ]


def test_artifact_switch_skipped_without_artifact(tmp_path):
    target = FakeTarget(tmp_path, version="1.0.0")
    ctx = make_context(tmp_path, target=target, no_artifact=True)
    step = ArtifactSwitchStep("artifact-switch")
    step.prepare(ctx)
    data = step.run(ctx)
    assert data["switched"] is False
    assert target.version == "1.0.0"
    assert target.calls == []


def test_artifact_undo_after_interrupted_switch(tmp_path):
    target = FakeTarget(tmp_path, version="1.0.0")
    ctx = make_context(tmp_path, target=target)
    step = ArtifactSwitchStep("artifact-switch")
    step.prepare(ctx)

    step.undo(ctx, StepRecord("artifact-switch", "artifact-switch", "started"))

    restore = [argument for name, argument in target.calls if name == "artifact_restore"]
    assert restore == [{"interrupted": True, "previous_release": "1.0.0", "version": "1.1.0", "prepared": "fake://new"}]
    assert target.version == "1.0.0"


def test_every_schema_kind_has_a_step():
    from loom_upgrade.engine.playbook import schema
    from loom_upgrade.steps.base import REGISTRY, load_step_modules

    load_step_modules()
    kinds = set(schema()["$defs"]["kind"]["enum"])
    assert kinds - set(REGISTRY) == set()


@pytest.mark.parametrize("kind", ["traffic-switch", "retire"])
def test_traffic_steps_are_reasoned_no_ops_in_place(tmp_path, kind):
    from loom_upgrade.steps.base import step_from_dict

    target = FakeTarget(tmp_path, version="1.0.0")
    ctx = make_context(tmp_path, target=target)
    step = step_from_dict({"id": kind, "kind": kind})
    data = step.run(ctx)
    assert "runs one instance, upgraded in place" in data["summary"]
    assert step.describe(ctx)[0].summary == data["summary"]
    assert [name for name, _ in target.calls] == []


def test_unknown_step_kind_is_a_playbook_error():
    from loom_upgrade.errors import PlaybookError
    from loom_upgrade.steps.base import step_from_dict

    with pytest.raises(PlaybookError) as info:
        step_from_dict({"id": "x", "kind": "teleport"})
    assert "kind teleport" in info.value.message
    assert "traffic-switch" in info.value.fix
