"""Markdown summaries appended to ``$GITHUB_STEP_SUMMARY`` when that variable is set."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loom_upgrade.i18n import _
from loom_upgrade.report.formatting import config_op_text, env_merge_text, human_bytes, human_seconds
from loom_upgrade.report.words import hop_type_word, path_word, risk_word, status_word

log = logging.getLogger(__name__)

SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", "<br>")


def plan_markdown(document: dict[str, Any]) -> str:
    lines = [
        "## " + _("loom-upgrade plan {source} -> {target}").format(source=document["from"], target=document["to"]),
        "",
        _("Type {type}, risk {risk}, path {path}.").format(
            type=hop_type_word(document["type"]), risk=risk_word(document["risk"]), path=path_word(document["path"])
        ),
        "",
        "| " + " | ".join([_("hop"), _("type"), _("risk"), _("breaking changes"), _("new config"),
                           _("new env variables"), _("DB revisions")]) + " |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for hop in document["hops"]:
        cells = [
            f"{hop['from']} -> {hop['to']}",
            hop_type_word(hop["type"]),
            risk_word(hop["risk"]),
            "<br>".join(_(change) for change in hop["breaking_changes"]) or "-",
            "<br>".join(config_op_text(op) for op in hop["new_config"]) or "-",
            "<br>".join(v["name"] for v in hop["env_added"]) or "-",
            ", ".join(f"{r['id']} ({r['mark']})" for r in hop["db_revisions"]) or "-",
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        if hop["env_added"] or hop["env_removed"] or hop["env_renamed"]:
            lines.append("")
            lines.append(_(".env merge of {source} -> {target}: {text}.").format(
                source=hop["from"], target=hop["to"], text=env_merge_text(hop)))
    estimates = document.get("estimates")
    if estimates:
        lines += ["", _("Estimated backup {size}; estimated duration {duration}.").format(
            size=human_bytes(estimates["backup"]["bytes"]), duration=human_seconds(estimates["seconds"]))]
    return "\n".join(lines) + "\n"


def preflight_markdown(report: dict[str, Any]) -> str:
    verdict = _("passed") if report["passed"] else _("failed")
    lines = [
        "## " + _("loom-upgrade preflight {verdict}").format(verdict=verdict),
        "",
        "| " + " | ".join([_("result"), _("check"), _("measured"), _("detail")]) + " |",
        "| --- | --- | --- | --- |",
    ]
    for check in report["checks"]:
        mark = _("FAIL")
        if check["passed"]:
            mark = _("PASS")
        elif check.get("overridden"):
            mark = _("SKIPPED")
        lines.append("| " + " | ".join(_cell(c) for c in (mark, check["name"], check["measured"] or "", check["detail"] or "")) + " |")
    return "\n".join(lines) + "\n"


# Outcomes named by the class of the error ``apply`` raised, for runs without a run-finished event.
_ERROR_OUTCOMES = {
    "RolledBackError": "rolled-back",
    "PreflightError": "preflight-failed",
}


def run_markdown(events: list[dict[str, Any]], outcome: str | None = None, error: Any = None) -> str:
    """Summarise an engine run: the outcome in words, one row per step with its final
    status and duration, then the final error and its fix.

    ``outcome`` is a run outcome (``done``, ``rolled-back`` ...) or the class name of the
    error ``apply`` raised; the run-finished event wins when there is one. ``error`` is
    that ``LoomUpgradeError`` when there is one, for its fix.
    """
    started = next((e.get("data") or {} for e in events if e.get("kind") == "run-started"), {})
    finished = next((e.get("data") or {} for e in events if e.get("kind") == "run-finished"), {})
    outcome = finished.get("outcome") or _ERROR_OUTCOMES.get(outcome or "", outcome) or ("failed" if error else "done")
    lines = ["## " + _run_heading(outcome, started, finished), ""]
    rows = _step_rows(events, started.get("steps") or [])
    if rows:
        lines += [
            "| " + " | ".join([_("step"), _("status"), _("duration"), _("detail")]) + " |",
            "| --- | --- | --- | --- |",
        ]
        lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    message = getattr(error, "message", None) or finished.get("error")
    if message:
        lines += ["", _("Error: {message}").format(message=message)]
    if finished.get("rollback_error"):
        lines += ["", _("Rollback error: {message}").format(message=finished["rollback_error"])]
    fix = getattr(error, "fix", None)
    if fix:
        lines += ["", _("Fix: {fix}").format(fix=fix)]
    return "\n".join(lines) + "\n"


def _run_heading(outcome: str, started: dict[str, Any], finished: dict[str, Any]) -> str:
    source, target = started.get("from_release") or "?", started.get("to_release") or "?"
    step = finished.get("failed_step") or "?"
    headings = {
        "done": _("loom-upgrade: upgraded {source} -> {target}"),
        "rolled-back": _("loom-upgrade: failed at {step} and rolled back to {source}"),
        "rollback-failed": _("loom-upgrade: failed at {step}, and the rollback to {source} failed too"),
        "preflight-failed": _("loom-upgrade: preflight failed, nothing was changed"),
        "nothing-to-do": _("loom-upgrade: already at {target}, nothing to do"),
        "dry-run": _("loom-upgrade: dry run of {source} -> {target}, nothing was changed"),
    }
    template = headings.get(outcome, _("loom-upgrade: the run {source} -> {target} failed"))
    return template.format(source=source, target=target, step=step)


def _step_rows(events: list[dict[str, Any]], order: list[str]) -> list[tuple[str, str, str, str]]:
    """Return (step, final status, duration, detail) per step, in run order."""
    status: dict[str, str] = {}
    detail: dict[str, str] = {}
    began: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for event in events:
        step = event.get("step_id")
        kind = event.get("kind")
        if step is None or kind not in _STEP_STATUS:
            continue
        if step not in order:
            order = [*order, step]
        if kind == "step-started":
            began[step] = event.get("time") or 0.0
        elif kind == "step-finished" and step in began:
            seconds[step] = (event.get("time") or 0.0) - began[step]
        ok = (event.get("data") or {}).get("ok", True)
        status[step] = _STEP_STATUS[kind] if ok else "failed"
        if event.get("message"):
            detail[step] = event["message"]
    return [
        (step, status_word(status[step]), human_seconds(seconds[step]) if step in seconds else "-", detail.get(step, ""))
        for step in order
        if step in status
    ]


# The status a step has after each kind of event; an event with data ok=false means "failed".
_STEP_STATUS = {
    "step-started": "started",
    "step-finished": "done",
    "step-skipped": "skipped",
    "step-failed": "failed",
    "rollback-step": "undone",
}


def append_step_summary(markdown: str, environ: Mapping[str, str] | None = None) -> Path | None:
    """Append ``markdown`` to the file ``$GITHUB_STEP_SUMMARY`` names; None when it is unset."""
    environ = os.environ if environ is None else environ
    target = environ.get(SUMMARY_VARIABLE)
    if not target:
        return None
    path = Path(target)
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    except OSError as exc:
        # A CI summary is a convenience; failing to write it must not fail the command.
        log.warning("cannot append the CI summary to %s: %s", path, exc)
        return None
    return path
