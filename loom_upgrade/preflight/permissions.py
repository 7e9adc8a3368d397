"""loom-upgrade can write every file and folder an upgrade changes, and its state folder."""

from __future__ import annotations

import os
from pathlib import Path

from loom_upgrade.home import database
from loom_upgrade.i18n import _
from loom_upgrade.preflight.base import CheckResult, PreflightContext

NAME = "permissions"
_SHOWN = 5  # paths named in the detail; the count covers the rest


def _writable(path: Path) -> bool:
    # os.access() fails with EROFS on a read-only mount even for root. The statvfs
    # ST_RDONLY flag is checked as well, in case access() alone misses a read-only bind.
    if not os.access(path, os.W_OK):
        return False
    return not os.statvfs(path).f_flag & os.ST_RDONLY


def targets(context: PreflightContext) -> list[Path]:
    home = context.home.home
    paths = [home, home / "config", context.home.config_path, home / ".env", home / "canon", home / "plugins"]
    sqlite_file = database.sqlite_path(context.home.db_url)
    if sqlite_file is not None:
        paths += [sqlite_file.parent, sqlite_file]
    paths += list((home / "canon").rglob("*.md")) if (home / "canon").is_dir() else []
    state = context.home.state_dir
    paths.append(state if state.exists() else home)
    return [p for p in dict.fromkeys(paths) if p.exists()]


def check(context: PreflightContext) -> CheckResult:
    checked = targets(context)
    blocked = [path for path in checked if not _writable(path)]
    measured = _("{blocked} of {count} not writable").format(blocked=len(blocked), count=len(checked))
    if not blocked:
        return CheckResult(NAME, True, measured, _("home files and state folder are writable"))
    home = context.home.home
    names = [str(p.relative_to(home)) if p != home and p.is_relative_to(home) else str(p) for p in blocked]
    listed = ", ".join(names[:_SHOWN])
    if len(names) > _SHOWN:
        listed = _("{paths} and {count} more").format(paths=listed, count=len(names) - _SHOWN)
    return CheckResult(
        NAME,
        False,
        measured,
        _("Not writable: {paths}.").format(paths=listed),
        _("Make these paths writable by the user running loom-upgrade (or remount them read-write)."),
    )
