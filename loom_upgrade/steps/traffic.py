"""The ``traffic-switch`` and ``retire`` steps of blue-green and canary playbooks.

They move clients from the old instance to the new one, then remove the old instance.
The local target runs one instance and upgrades it in place, so there is no traffic to
move and no second instance to retire. On it both steps change nothing and report why.
"""

from __future__ import annotations

from typing import Any

from loom_upgrade.engine.context import RunContext
from loom_upgrade.i18n import _
from loom_upgrade.steps.base import Change, Step, StepFailed, register

IN_PLACE_TARGETS = ("local", "fake")


def _single_instance(ctx: RunContext) -> bool:
    return ctx.target.kind in IN_PLACE_TARGETS


def _unsupported(ctx: RunContext, kind: str) -> StepFailed:
    return StepFailed(
        _("The {target} target cannot run {kind} steps yet; remove the step from the playbook.").format(
            target=ctx.target.kind, kind=kind
        )
    )


@register
class TrafficSwitchStep(Step):
    kind = "traffic-switch"

    def describe(self, ctx: RunContext) -> list[Change]:
        return [Change("service", self._reason(ctx))]

    def _reason(self, ctx: RunContext) -> str:
        if _single_instance(ctx):
            return _("Nothing to switch: the {target} target runs one instance, upgraded in place.").format(
                target=ctx.target.kind
            )
        return _("Send clients to the new instance.")

    def run(self, ctx: RunContext) -> dict[str, Any]:
        if not _single_instance(ctx):
            raise _unsupported(ctx, self.kind)
        return {"summary": self._reason(ctx), "switched": False}


@register
class RetireStep(Step):
    kind = "retire"

    def describe(self, ctx: RunContext) -> list[Change]:
        return [Change("service", self._reason(ctx))]

    def _reason(self, ctx: RunContext) -> str:
        if _single_instance(ctx):
            return _("Nothing to retire: the {target} target runs one instance, upgraded in place.").format(
                target=ctx.target.kind
            )
        return _("Remove the old instance.")

    def run(self, ctx: RunContext) -> dict[str, Any]:
        if not _single_instance(ctx):
            raise _unsupported(ctx, self.kind)
        return {"summary": self._reason(ctx), "retired": False}
