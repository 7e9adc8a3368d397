"""Step kinds and a context for unit tests of the engine with the fake target."""

from __future__ import annotations

from pathlib import Path

from loom_upgrade.engine.context import ApplyOptions, RunContext
from loom_upgrade.engine.events import EventBus
from loom_upgrade.engine.journal import Journal, new_run_id
from loom_upgrade.steps.base import Step, StepFailed
from loom_upgrade.targets.fake import FakeTarget


class RecordingBackup(Step):
    kind = "backup"

    def run(self, ctx):
        ctx.remember(backup_verified=True, backup_id="b1")
        ctx.values.setdefault("trail", []).append(f"run:{self.id}")
        return {"backup_id": "b1"}

    def undo(self, ctx, record):
        ctx.values.setdefault("trail", []).append(f"undo:{self.id}")


class WriteFile(Step):
    """Append a line to a home file; undo puts back what was there."""

    kind = "test-write"
    mutates = True

    def protected_paths(self, ctx):
        return [self.params["file"]]

    def run(self, ctx):
        path = ctx.home / self.params["file"]
        before = path.read_text() if path.exists() else ""
        path.write_text(before + self.params.get("line", self.id) + "\n")
        ctx.crash_point("middle")
        if self.params.get("fail"):
            raise StepFailed("write failed on purpose")
        ctx.values.setdefault("trail", []).append(f"run:{self.id}")
        return {"before": before}

    def undo(self, ctx, record):
        ctx.values.setdefault("trail", []).append(f"undo:{self.id}")
        (ctx.home / self.params["file"]).write_text(record.data.get("before", self.params.get("original", "")))


class ServiceStop(Step):
    kind = "test-stop"

    def run(self, ctx):
        ctx.remember(service_was_running=ctx.target.service_status().running)
        ctx.target.stop_service()
        return {}

    def undo(self, ctx, record):
        if ctx.values.get("service_was_running"):
            ctx.target.start_service()


def make_context(home: Path, *, target: FakeTarget | None = None, **options) -> RunContext:
    state = home / ".loom-upgrade"
    run_id = new_run_id()
    return RunContext(
        home=home,
        state_dir=state,
        target=target or FakeTarget(home),
        run_id=run_id,
        journal=Journal.create(state, run_id),
        bus=EventBus(),
        from_release="1.0.0",
        to_release="1.1.0",
        newest_release="1.1.0",
        options=ApplyOptions(**options),
    )
