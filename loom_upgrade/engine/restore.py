"""Restoring the run's verified backup: shared by every step that changed data or files."""

from __future__ import annotations

import logging

from loom_upgrade.engine import components
from loom_upgrade.engine.context import RunContext
from loom_upgrade.errors import BackupError
from loom_upgrade.i18n import _

log = logging.getLogger(__name__)


def restore_from_backup(ctx: RunContext) -> None:
    """Restore database, config, ``.env``, canon and plugins from the run's backup, once."""
    if ctx.restored:
        return
    backup_id = ctx.values.get("backup_id")
    if not backup_id:
        raise BackupError(
            _("This run made no verified backup, so its changes cannot be restored."),
            fix=_("Restore an earlier backup with loom-upgrade rollback --backup ID."),
        )
    log.info("restoring backup %s into %s", backup_id, ctx.home)

    ctx.progress(0, 1, _("Restoring backup {id}").format(id=backup_id))
    components.restore_backup(ctx.home, ctx.state_dir, backup_id)
    ctx.progress(1, 1, _("Restored backup {id}").format(id=backup_id))
    ctx.restored = True
