"""Rendering shared by every sub-command: output format, consoles and error messages.

Only the CLI layer prints. Library code returns data or raises ``LoomUpgradeError``.
"""

from __future__ import annotations

import json
import os
import sys
from enum import Enum

from rich.console import Console

from loom_upgrade.errors import LoomUpgradeError
from loom_upgrade.i18n import _


class OutputFormat(str, Enum):
    human = "human"
    json = "json"
    jsonl = "jsonl"


def _no_colour() -> bool:
    return "NO_COLOR" in os.environ


def stdout_console() -> Console:
    return Console(no_color=_no_colour(), highlight=False, soft_wrap=True)


def stderr_console() -> Console:
    return Console(stderr=True, no_color=_no_colour(), highlight=False, soft_wrap=True)


def print_json(document: object) -> None:
    """Write one JSON document to standard output."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def print_jsonl(event: object) -> None:
    """Write one JSON event as one line of standard output."""
    sys.stdout.write(json.dumps(event, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def report_error(error: LoomUpgradeError, output: OutputFormat | None = None) -> None:
    """Print an error as one message naming the location and the fix, never a traceback."""
    if output in (OutputFormat.json, OutputFormat.jsonl) or os.environ.get("LOOM_UPGRADE_OUTPUT") in ("json", "jsonl"):
        sys.stdout.write(json.dumps(error.to_dict(), ensure_ascii=False) + "\n")
        return
    console = stderr_console()
    where = error.location()
    head = _("error") + ": "
    text = f"{where}: {error.message}" if where else error.message
    console.print(head + text, markup=False)
    if error.fix:
        console.print(_("fix") + ": " + error.fix, markup=False)


def report_usage_error(message: str, hint: str | None) -> None:
    """Print a command-line usage error from click as one line plus the help hint."""
    console = stderr_console()
    console.print(_("error") + ": " + message, markup=False)
    if hint:
        console.print(hint, markup=False)
