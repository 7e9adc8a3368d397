"""The ``backup`` step: a verified backup before any change, and the rows it holds."""

from __future__ import annotations

import json
from typing import Any

from loom_upgrade.engine import components
from loom_upgrade.engine.context import RunContext
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

        # create_backup verifies the backup it wrote (checksums, integrity check or
        # pg_restore --list) and raises BackupError otherwise, so it is verified here.
        info = components.create_backup(ctx.home, ctx.state_dir, release=ctx.from_release, progress=progress)
        ctx.crash_point("middle")
        snapshot = components.snapshot_rows(ctx.home)
        ctx.run_dir.mkdir(parents=True, exist_ok=True)
        snapshot_path(ctx).write_text(json.dumps(snapshot.to_dict()), encoding="utf-8")
        ctx.journal.append("backup", id=info.id, path=str(info.path), release=ctx.from_release)
        ctx.remember(backup_verified=True, backup_id=info.id, backup_path=str(info.path))
        return {"summary": _("Backup {id} created and verified.").format(id=info.id), "backup_id": info.id}


