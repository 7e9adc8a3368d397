"""The ``preflight`` step: every check of ``loom_upgrade.preflight`` before anything changes."""

from __future__ import annotations

from typing import Any

from loom_upgrade.engine.context import RunContext
from loom_upgrade.i18n import _
from loom_upgrade.steps.base import Change, Step, register


@register
class PreflightStep(Step):
    kind = "preflight"

    def describe(self, ctx: RunContext) -> list[Change]:
        return [Change("check", _("Run the preflight checks."))]

    def run(self, ctx: RunContext) -> dict[str, Any]:
        from loom_upgrade.preflight import run_preflight

        # run_preflight raises PreflightError (exit 3) when a check fails; nothing has
        # changed at this point, so the engine's rollback has nothing to undo.
        report = run_preflight(
            ctx.home,
            to_release=ctx.to_release,
            skip=set(ctx.options.skip_checks),
            drop_stale_batch_tables=ctx.options.drop_stale_batch_tables,
            hops=ctx.hops,
        )
        checks = getattr(report, "checks", None) or []
        return {"summary": _("{count} checks passed.").format(count=len(checks)), "checks": len(checks)}
