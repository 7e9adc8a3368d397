"""The ``verify`` step and the check after a rollback: integrity, rows, release recorded."""

from __future__ import annotations

import json
from typing import Any

from loom_upgrade.engine import components
from loom_upgrade.engine.context import RunContext
from loom_upgrade.errors import MigrationError
from loom_upgrade.i18n import _
from loom_upgrade.steps.backup import snapshot_path
from loom_upgrade.steps.base import Change, Step, register
from loom_upgrade.steps.verify_data import check_rows, hop_rules


def check_release(ctx: RunContext, release: str) -> None:
    state = components.detect(ctx.home)
    expected_revision = ctx.release(release).db_revision
    if state.release != release or state.db_revision != expected_revision:
        raise MigrationError(
            _("The home is at release {found} (revision {revision}), not {release} (revision {expected}).").format(
                found=state.release, revision=state.db_revision, release=release, expected=expected_revision
            )
        )
    if state.inconsistencies:
        raise MigrationError(_("The home is inconsistent: {details}").format(details="; ".join(state.inconsistencies)))


@register
class VerifyStep(Step):
    kind = "verify"

    def describe(self, ctx: RunContext) -> list[Change]:
        return [Change("check", _("Verify the release recorded, the database and every row."))]

    def run(self, ctx: RunContext) -> dict[str, Any]:
        check_release(ctx, ctx.to_release)
        if not ctx.target.service_status().running:
            if ctx.values.get("rows_verified_after_hop") != len(ctx.hops):
                check_rows(ctx, hop_rules(ctx, len(ctx.hops)))
            return {"summary": _("Verified at {release}.").format(release=ctx.to_release)}
        # The new release has taken writes since it started, at least the smoke test's.
        # Rows were compared exactly after the last hop, so here no table may lose any.
        check_no_rows_lost(ctx, hop_rules(ctx, len(ctx.hops)))
        return {"summary": _("Verified at {release}.").format(release=ctx.to_release)}


def check_no_rows_lost(ctx: RunContext, rules: list[dict[str, Any]]) -> None:
    """Check by row counts (no full scan) that no table has fewer rows than the rules expect."""
    before = components.snapshot_from_dict(json.loads(snapshot_path(ctx).read_text(encoding="utf-8")))
    expected = components.expected_rows(before, rules)
    counts = components.row_counts(ctx.home)
    lost = [
        _("Table {table} has {actual} rows where at least {expected} were expected.").format(
            table=table, actual=counts.get(table, 0), expected=rows
        )
        for table, rows in sorted(expected.items())
        if counts.get(table, 0) < rows
    ]
    if lost:
        raise MigrationError(
            _("Rows were lost: {details}").format(details=" ".join(lost[:5])),
            fix=_("The backup is restored automatically; report this migration failure."),
        )


def verify_rolled_back(ctx: RunContext) -> None:
    """Check that a rollback left the home at its starting release with every row, and the service as it was."""
    check_release(ctx, ctx.from_release)
    if ctx.values.get("backup_verified"):
        check_rows(ctx, [])
    check_code_restored(ctx)
    was_running = bool(ctx.values.get("service_was_running"))
    if ctx.target.service_status().running != was_running:
        raise MigrationError(
            _("The service should be {expected} after the rollback, but it is not.").format(
                expected=_("running") if was_running else _("stopped")
            )
        )


def check_code_restored(ctx: RunContext) -> None:
    """Check that the code runs the version it ran before the artifact switch, when one began."""
    record = ctx.values.get("artifact_record")
    if not record or "version_before" not in record:
        return
    found = ctx.target.artifact_version()
    if found != record["version_before"]:
        raise MigrationError(
            _("After the rollback the code reports LOOM {found}, not {expected} as before the upgrade.").format(
                found=found or "-", expected=record["version_before"] or "-"
            ),
            fix=_("Put the earlier release back in {home}/venv, then run loom-upgrade status.").format(home=ctx.home),
        )
