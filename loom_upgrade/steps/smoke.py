"""The ``smoke`` step: the newest release serves real requests as well as before.

The smoke test needs the newest code, so it runs only at the end of a path that reaches
the newest release; a path ending below it is verified at the data level only.
"""

from __future__ import annotations

from typing import Any

from loom_upgrade.engine import components
from loom_upgrade.engine.context import RunContext
from loom_upgrade.errors import MigrationError
from loom_upgrade.i18n import _
from loom_upgrade.steps.base import Change, Step, register


@register
class SmokeStep(Step):
    kind = "smoke"

    def _skip_reason(self, ctx: RunContext) -> str | None:
        if not ctx.reaches_newest:
            return _("The path ends at {release}, below the newest release {newest}: verified at the data level only.").format(
                release=ctx.to_release, newest=ctx.newest_release
            )
        if not ctx.target.service_status().running:
            return _("The service is not running, so there is nothing to smoke-test.")
        return None

    def describe(self, ctx: RunContext) -> list[Change]:
        reason = self._skip_reason(ctx)
        return [Change("check", reason or _("Smoke-test the running service: health, a session, turns, latency."))]

    def run(self, ctx: RunContext) -> dict[str, Any]:
        reason = self._skip_reason(ctx)
        if reason is not None:
            return {"summary": reason, "skipped": True}
        result = components.smoke(ctx, params=self.params)
        if not result.passed:
            reasons = "; ".join(f"{check.name}: {check.detail}" for check in result.failed)
            raise MigrationError(
                _("The smoke test failed: {reason}").format(reason=reasons),
                fix=_("The previous release is restored automatically."),
            )
        return {"summary": _("Smoke test passed."), "result": result.to_dict()}
