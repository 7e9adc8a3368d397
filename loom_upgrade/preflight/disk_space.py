"""The backup folder's file system has room for the backup plus headroom."""

from __future__ import annotations

import shutil
from pathlib import Path

from loom_upgrade.i18n import _
from loom_upgrade.planner.estimates import backup_estimate
from loom_upgrade.preflight.base import CheckResult, PreflightContext
from loom_upgrade.report.formatting import human_bytes

NAME = "disk-space"
# Headroom on top of the estimated backup: 20% for compression variance and the
# .partial file beside the final one, and at least 16 MiB for journals and logs.
HEADROOM_RATIO = 0.2
HEADROOM_MINIMUM = 16 * 1024 * 1024


def _existing_parent(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def required_bytes(backup_bytes: int) -> int:
    return backup_bytes + max(int(backup_bytes * HEADROOM_RATIO), HEADROOM_MINIMUM)


def check(context: PreflightContext) -> CheckResult:
    folder = _existing_parent(context.backup_dir)
    free = shutil.disk_usage(folder).free
    needed = required_bytes(backup_estimate(context.home)["bytes"])
    measured = _("{free} free in {folder}").format(free=human_bytes(free), folder=folder)
    detail = _("needs {needed} (estimated backup plus headroom)").format(needed=human_bytes(needed))
    if free >= needed:
        return CheckResult(NAME, True, measured, detail)
    return CheckResult(
        NAME,
        False,
        measured,
        detail,
        _("Free at least {missing} in {folder}, or put backups on a larger file system.").format(
            missing=human_bytes(needed - free), folder=folder
        ),
    )
