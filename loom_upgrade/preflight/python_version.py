"""The Python running loom-upgrade is one it supports."""

from __future__ import annotations

import platform
import sys

from loom_upgrade.i18n import _
from loom_upgrade.preflight.base import CheckResult, PreflightContext

NAME = "python-version"
MINIMUM = (3, 11)  # requires-python of the loom-narrative distribution


def check(context: PreflightContext) -> CheckResult:
    version = tuple(context.limits.get("python_version", sys.version_info[:3]))
    minimum = tuple(context.limits.get("min_python", MINIMUM))
    measured = ".".join(str(part) for part in version) or platform.python_version()
    if version >= minimum:
        return CheckResult(NAME, True, measured, _("Python {minimum} or newer is needed.").format(
            minimum=".".join(map(str, minimum))))
    return CheckResult(
        NAME,
        False,
        measured,
        _("Python {minimum} or newer is needed.").format(minimum=".".join(map(str, minimum))),
        _("Run loom-upgrade with Python {minimum} or newer.").format(minimum=".".join(map(str, minimum))),
    )
