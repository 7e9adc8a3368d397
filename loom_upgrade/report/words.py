"""Translated display words for the English identifiers of plans and runs.

JSON output keeps the identifiers (``rolled-back``, ``major``, ``in-place``); human and
Markdown output show these words. Each msgid is a literal so that extraction finds it.
"""

from __future__ import annotations

from loom_upgrade.i18n import _


def status_word(status: str) -> str:
    """Return the display word of a step or run status, or ``status`` itself when unknown."""
    words = {
        "done": _("done"),
        "undone": _("undone"),
        "rolled-back": _("rolled back"),
        "rollback-failed": _("rollback failed"),
        "preflight-failed": _("preflight failed"),
        "failed": _("failed"),
        "skipped": _("skipped"),
        "started": _("started"),
        "running": _("running"),
        "pending": _("pending"),
        "nothing-to-do": _("nothing to do"),
        "dry-run": _("dry run"),
    }
    return words.get(status, status)


def hop_type_word(hop_type: str) -> str:
    words = {"patch": _("patch"), "minor": _("minor"), "major": _("major")}
    return words.get(hop_type, hop_type)


def risk_word(risk: str) -> str:
    words = {"low": _("low"), "medium": _("medium"), "high": _("high")}
    return words.get(risk, risk)


def path_word(path: str) -> str:
    words = {"in-place": _("in-place"), "export-import": _("export-import")}
    return words.get(path, path)

