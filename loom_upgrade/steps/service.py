"""The ``stop`` and ``start`` steps: the service state around the upgrade."""

from __future__ import annotations

from typing import Any

from loom_upgrade.engine import components
from loom_upgrade.engine.context import RunContext
from loom_upgrade.engine.journal import StepRecord
from loom_upgrade.i18n import _
from loom_upgrade.steps.base import Change, Step, register


@register
class StopStep(Step):
    """Stop the service before the backup, so no write can land after it."""

    kind = "stop"

    def describe(self, ctx: RunContext) -> list[Change]:
        if not ctx.target.service_status().running:
            return [Change("service", _("The service is not running; nothing to stop."))]
        return [Change("service", _("Stop the LOOM service."))]

    def run(self, ctx: RunContext) -> dict[str, Any]:
        status = ctx.target.service_status()
        # Journaled before stopping, so a rollback after a crash knows to start it again.
        if "service_was_running" not in ctx.values:
            ctx.remember(service_was_running=status.running, service_version_before=status.version)
        if not status.running:
            return {"summary": _("The service was not running.")}
        if "latency_baseline" not in ctx.values:
            # The smoke test compares the new release's latency with this baseline.
            ctx.remember(latency_baseline=components.latency_baseline(ctx.target.health_url(), self.params))
        ctx.crash_point("middle")
        ctx.target.stop_service()
        return {"summary": _("Stopped the service (pid {pid}).").format(pid=status.pid), "pid": status.pid}

    def undo(self, ctx: RunContext, record: StepRecord) -> None:
        if ctx.values.get("service_was_running") and not ctx.target.service_status().running:
            ctx.target.start_service()


@register
class StartStep(Step):
    """Start the service of the new release when it ran before or the path ends at the newest release."""

    kind = "start"

    def _should_start(self, ctx: RunContext) -> tuple[bool, str]:
        if ctx.values.get("service_was_running"):
            return True, ""
        if ctx.reaches_newest and not ctx.options.no_artifact:
            return True, ""
        return False, _("The service was not running before the upgrade, so it stays stopped.")

    def describe(self, ctx: RunContext) -> list[Change]:
        start, reason = self._should_start(ctx)
        return [Change("service", _("Start the LOOM service and wait for /health.") if start else reason)]

    def run(self, ctx: RunContext) -> dict[str, Any]:
        start, reason = self._should_start(ctx)
        if not start:
            return {"summary": reason, "started": False}
        status = ctx.target.start_service()
        return {
            "summary": _("Started the service (pid {pid}, version {version}).").format(
                pid=status.pid, version=status.version
            ),
            "started": True,
            "version": status.version,
        }

    def undo(self, ctx: RunContext, record: StepRecord) -> None:
        ctx.target.stop_service()
