"""The ``backup`` step: a verified backup before any change, and the rows it holds."""

from __future__ import annotations

import json
from typing import Any

from loom_upgrade.engine import components
from loom_upgrade.engine.context import RunContext
from loom_upgrade.errors import BackupError
from loom_upgrade.i18n import _
from loom_upgrade.steps.base import Change, Step, register


def snapshot_path(ctx: RunContext):
    return ctx.run_dir / "rows-before.json"


@register
class BackupStep(Step):
    kind = "backup"

    def describe(self, ctx: RunContext) -> list[Change]:
        return [Change("backup", _("Back up the database, config, .env, canon and plugins, then verify the backup."))]

    def run(self, ctx: RunContext) -> dict[str, Any]:
        def progress(event: Any) -> None:
            ctx.progress(event.done, event.total, event.phase)

        info = components.create_backup(ctx.home, ctx.state_dir, release=ctx.from_release, progress=progress)
        ctx.crash_point("middle")
        # create_backup verifies what it wrote; verifying again here is cheap and makes
        # the rule "no change before a verified backup" hold whatever that area does.
        result = components.verify_backup(info)
        if not result.passed:
            raise BackupError(
                _("The new backup {id} did not verify: {reason}").format(id=info.id, reason=_problems(result)),
                path=info.path,
                fix=_("Check free disk space and the database, then run the upgrade again."),
            )
        snapshot = components.snapshot_rows(ctx.home)
        ctx.run_dir.mkdir(parents=True, exist_ok=True)
        snapshot_path(ctx).write_text(json.dumps(snapshot.to_dict()), encoding="utf-8")
        ctx.journal.append("backup", id=info.id, path=str(info.path), release=ctx.from_release)
        ctx.remember(backup_verified=True, backup_id=info.id, backup_path=str(info.path))
        return {"summary": _("Backup {id} created and verified.").format(id=info.id), "backup_id": info.id}


def _problems(result: Any) -> str:
    return "; ".join(f"{check.name}: {check.detail}" for check in result.checks if not check.passed)
