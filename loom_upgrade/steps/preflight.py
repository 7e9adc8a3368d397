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
        from loom_upgrade.home import detect_home
        from loom_upgrade.preflight import raise_for_failures, run_preflight

        report = run_preflight(
            detect_home(ctx.home, ctx.catalog),
            ctx.plan,
            overrides=set(ctx.options.skip_checks),
            catalog=ctx.catalog,
            drop_stale_batch_tables=ctx.options.drop_stale_batch_tables,
            artifact_source=None if ctx.options.no_artifact else ctx.options.artifact_source,
            port=ctx.options.port,
        )
        # PreflightError (exit 3): the engine stops with nothing changed.
        raise_for_failures(report)
        return {
            "summary": _("{count} checks passed.").format(count=len(report.checks)),
            "overridden": [check.name for check in report.checks if check.overridden],
        }
