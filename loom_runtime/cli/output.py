"""Consoles and error rendering of the ``loom`` command."""

from __future__ import annotations

import os

from rich.console import Console

from loom_runtime.i18n import _


def _no_colour() -> bool:
    return "NO_COLOR" in os.environ


def stdout_console() -> Console:
    return Console(no_color=_no_colour(), highlight=False, soft_wrap=True)


def stderr_console() -> Console:
    return Console(stderr=True, no_color=_no_colour(), highlight=False, soft_wrap=True)


def print_error(message: str, fix: str | None = None) -> None:
    """Print one error, and its fix when there is one, to standard error."""
    console = stderr_console()
    console.print(_("Error: {message}").format(message=message), markup=False)
    if fix:
        console.print(_("Fix: {fix}").format(fix=fix), markup=False)
