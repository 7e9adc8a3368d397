"""The ``artifact-switch`` step: the code of the target release replaces the old one.

The new release is installed in the state folder first, so the switch itself is two
renames. The switch journals what the home had (a venv or none) before its first
rename. Undo after a kill at any point restores exactly that, and never reinstalls.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loom_upgrade.engine.context import RunContext
from loom_upgrade.engine.journal import StepRecord
from loom_upgrade.i18n import _
from loom_upgrade.steps.base import Change, Step, register
from loom_upgrade.targets.base import PreparedArtifact


@register
class ArtifactSwitchStep(Step):
    kind = "artifact-switch"
    mutates = True

    def describe(self, ctx: RunContext) -> list[Change]:
        if ctx.options.no_artifact:
            return [Change("artifact", _("--no-artifact: the code is left to the operator."))]
        return [Change("artifact", _("Install loom-narrative {version} into a new virtualenv and switch to it.").format(version=ctx.to_release))]

    def prepare(self, ctx: RunContext) -> None:
        if ctx.options.no_artifact:
            return
        # Installing beside the running release changes nothing the service uses, so it
        # happens before the stop and keeps the installation out of the downtime.
        prepared = ctx.target.artifact_install(ctx.to_release, ctx.options.artifact_source)
        # Read here, while the service still runs: ``loom --version`` takes about half a
        # second, which the switch would otherwise add to the downtime.
        ctx.remember(artifact_prepared=prepared.location, artifact_version_before=ctx.target.artifact_version())

    def discard(self, ctx: RunContext) -> None:
        location = ctx.values.get("artifact_prepared")
        if location and not ctx.values.get("artifact_record"):
            ctx.target.artifact_discard(PreparedArtifact(ctx.to_release, location))
        # An install killed before it was journaled leaves a staging folder no value names.
        ctx.target.artifact_cleanup()

    def run(self, ctx: RunContext) -> dict[str, Any]:
        if ctx.options.no_artifact:
            return {"summary": _("--no-artifact: the code is left to the operator."), "switched": False}
        earlier = ctx.values.get("artifact_record")
        if earlier is not None:
            # A resumed run whose switch was killed: finished, or put back to its start.
            if ctx.target.artifact_version() == ctx.to_release:
                return self._switched(ctx, earlier)
            ctx.target.artifact_restore(earlier)
        location = ctx.values.get("artifact_prepared")
        if location and (earlier is None or Path(location).exists()):
            prepared = PreparedArtifact(ctx.to_release, location)
        else:  # a playbook without preflight, or a run killed before its preparation was journaled
            prepared = ctx.target.artifact_install(ctx.to_release, ctx.options.artifact_source)
            ctx.remember(artifact_prepared=prepared.location)
        ctx.crash_point("middle")
        record = ctx.target.artifact_switch(
            prepared,
            previous_release=ctx.from_release,
            journal=lambda switch: ctx.remember(artifact_record=switch),
            checkpoint=ctx.crash_point,
            version_before=(ctx.values["artifact_version_before"],) if "artifact_version_before" in ctx.values else None,
        )
        return self._switched(ctx, record)

    def _switched(self, ctx: RunContext, record: dict[str, Any]) -> dict[str, Any]:
        return {
            "summary": _("Switched the code to {version}.").format(version=ctx.to_release),
            "switched": True,
            "record": record,
        }

    def undo(self, ctx: RunContext, record: StepRecord) -> None:
        switch = record.data.get("record") or ctx.values.get("artifact_record")
        if switch is not None:
            ctx.target.artifact_restore(switch)
            ctx.target.artifact_cleanup()
            return
        # Interrupted before or during the switch: the target works out from its own
        # state whether the old artifact was already moved aside.
        ctx.target.artifact_restore(
            {
                "interrupted": True,
                "previous_release": ctx.from_release,
                "version": ctx.to_release,
                "prepared": ctx.values.get("artifact_prepared"),
            }
        )
        ctx.target.artifact_cleanup()
