"""Markdown summaries appended to ``$GITHUB_STEP_SUMMARY`` when that variable is set."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loom_upgrade.i18n import _
from loom_upgrade.report.formatting import config_op_text, env_merge_text, human_bytes, human_seconds

log = logging.getLogger(__name__)

SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", "<br>")


def plan_markdown(document: dict[str, Any]) -> str:
    lines = [
        "## " + _("loom-upgrade plan {source} -> {target}").format(source=document["from"], target=document["to"]),
        "",
        _("Type {type}, risk {risk}, path {path}.").format(
            type=document["type"], risk=document["risk"], path=document["path"]
        ),
        "",
        "| " + " | ".join([_("hop"), _("type"), _("risk"), _("breaking changes"), _("new config"),
                           _("new env variables"), _("DB revisions")]) + " |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for hop in document["hops"]:
        cells = [
            f"{hop['from']} -> {hop['to']}",
            hop["type"],
            hop["risk"],
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
        mark = "FAIL"
        if check["passed"]:
            mark = "PASS"
        elif check.get("overridden"):
            mark = "SKIPPED"
        lines.append("| " + " | ".join(_cell(c) for c in (mark, check["name"], check["measured"] or "", check["detail"] or "")) + " |")
    return "\n".join(lines) + "\n"


def run_markdown(events: list[dict[str, Any]], outcome: str) -> str:
    """Summarise an engine run from its events: one row per finished, skipped or failed step."""
    lines = [
        "## " + _("loom-upgrade run: {outcome}").format(outcome=outcome),
        "",
        "| " + " | ".join([_("step"), _("status"), _("detail")]) + " |",
        "| --- | --- | --- |",
    ]
    for event in events:
        status = event.get("status") or event.get("kind") or event.get("event")
        step = event.get("step") or event.get("step_id")
        if step is None:
            continue
        detail = event.get("detail") or event.get("message") or ""
        lines.append("| " + " | ".join(_cell(c) for c in (step, status, detail)) + " |")
    return "\n".join(lines) + "\n"


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
