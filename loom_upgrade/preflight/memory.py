"""Enough memory is available for the migration's bounded-memory streaming."""

from __future__ import annotations

import psutil

from loom_upgrade.i18n import _
from loom_upgrade.preflight.base import CheckResult, PreflightContext
from loom_upgrade.report.formatting import human_bytes

NAME = "memory"
# loom-upgrade streams data and stays well under 256 MiB RSS; the runtime started for
# smoke tests needs about as much again.
MINIMUM_AVAILABLE = 512 * 1024 * 1024


def check(context: PreflightContext) -> CheckResult:
    available = psutil.virtual_memory().available
    needed = int(context.limits.get("min_memory_bytes", MINIMUM_AVAILABLE))
    measured = _("{available} available").format(available=human_bytes(available))
    detail = _("needs {needed}").format(needed=human_bytes(needed))
    if available >= needed:
        return CheckResult(NAME, True, measured, detail)
    return CheckResult(
        NAME, False, measured, detail, _("Stop other programs or run the upgrade on a host with more free memory.")
    )
