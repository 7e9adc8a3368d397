"""Real failure conditions for preflight tests: a nearly full tmpfs and a read-only bind
mount. Both need root (CI runs as root); elsewhere the test is skipped."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.components import component_missing


def _require_mount() -> None:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        component_missing("mount", "mounting a tmpfs or a read-only bind mount needs root and mount(8)")


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, text=True)


@contextmanager
def small_tmpfs(folder: Path, size: str = "4m") -> Iterator[Path]:
    """Mount a tmpfs of ``size`` on ``folder`` for the duration of the block."""
    _require_mount()
    folder.mkdir(parents=True, exist_ok=True)
    _run("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        _run("umount", str(folder))


@contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """Bind-mount ``folder`` onto itself read-only for the duration of the block."""
    _require_mount()
    _run("mount", "--bind", str(folder), str(folder))
    try:
        _run("mount", "-o", "remount,bind,ro", str(folder))
        yield folder
    finally:
        _run("umount", str(folder))
