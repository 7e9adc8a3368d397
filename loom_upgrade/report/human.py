"""Human views (Rich renderables) of the catalog, plans and preflight reports."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from loom_upgrade.catalog import Catalog
from loom_upgrade.i18n import _
from loom_upgrade.report.formatting import (
    config_op_text,
    env_merge_text,
    human_bytes,
    human_seconds,
    plugins_text,
    row_rule_text,
)
from loom_upgrade.report.render import id_column
from loom_upgrade.report.words import hop_type_word, path_word, risk_word


def _lines(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items) if items else _("none")


def _catalog_lines(items: list[str]) -> str:
    # Release notes come from releases.yaml; catalog.po holds their translations.
    return _lines([_(item) for item in items])


def releases_table(catalog: Catalog, current: str | None = None) -> Table:
    table = Table(title=_("Known releases"), box=box.SIMPLE_HEAD, title_justify="left")
    id_column(table, _("release"), [release.text + " *" for release in catalog.releases])
    id_column(table, _("date"), [release.date or "" for release in catalog.releases])
    id_column(table, _("DB revision"), [release.db_revision for release in catalog.releases])
    for column in (_("required stop"), _("summary")):
        table.add_column(column)
    for release in catalog.releases:
        marker = " *" if release.text == current else ""
        table.add_row(
            release.text + marker,
            release.date or "",
            release.db_revision,
            _("yes") if release.required_stop else "",
            _(release.summary),
        )
    return table


def _revision_lines(hop: dict[str, Any]) -> str:
    return _lines([f"{r['id']} ({r['mark']}): {_(r['summary'])}" for r in hop["db_revisions"]])


def _row_lines(hop: dict[str, Any]) -> str:
    return _lines([row_rule_text(table, rule) for table, rule in hop["rows"].items()])


def _hop_rows(hop: dict[str, Any]) -> list[tuple[str, str]]:
    other_config = [op for op in hop["config_ops"] if op not in hop["new_config"]]
    rows = [
        (_("Type"), hop_type_word(hop["type"])),
        (_("Risk"), risk_word(hop["risk"])),
        (_("Path"), path_word(hop["path"]) + (_(" (required stop)") if hop["required_stop"] else "")),
        (_("Breaking changes"), _catalog_lines(hop["breaking_changes"])),
        (_("Deprecations"), _catalog_lines(hop["deprecations"])),
        (_("New config options"), _lines([config_op_text(op) for op in hop["new_config"]])),
        (_("Other config changes"), _lines([config_op_text(op) for op in other_config])),
        (_("New env variables"), _lines([f"{v['name']}={v['value']}" for v in hop["env_added"]])),
        (_("Removed env variables"), _lines(hop["env_removed"])),
        (_(".env merge"), env_merge_text(hop)),
        (_("Canon rules"), _lines([f"{r['pattern']} -> {r['replacement']}" for r in hop["canon_rules"]])),
        (_("DB revisions"), _revision_lines(hop)),
        (_("Row changes"), _row_lines(hop)),
        (_("Compatibility checks"), _lines(hop["checks"])),
        (_("Manual notes"), _catalog_lines(hop["manual"])),
    ]
    if hop.get("plugins"):
        rows.insert(10, (_("Plugin manifests"), plugins_text(hop["plugins"])))
    return rows


def _estimate_text(estimate: dict[str, Any]) -> str:
    return _("{rows} rows rewritten, about {duration}; backup {size}, about {backup}").format(
        rows=estimate["rows_rewritten"],
        duration=human_seconds(estimate["seconds"]),
        size=human_bytes(estimate["backup_bytes"]),
        backup=human_seconds(estimate["backup_seconds"]),
    )


def hop_table(hop: dict[str, Any]) -> Table:
    """Build one hop's table: what changes, what the operator must know, and the estimate."""
    title = _("Hop {index}: {source} -> {target}").format(index=hop["index"], source=hop["from"], target=hop["to"])
    table = Table(title=title, show_header=False, box=box.SIMPLE, title_justify="left")
    table.add_column(_("item"), style="bold", no_wrap=True)
    table.add_column(_("detail"))

    rows = _hop_rows(hop)
    if hop.get("estimate") is not None:
        rows.append((_("Estimate"), _estimate_text(hop["estimate"])))
    for name, value in rows:
        table.add_row(name, Text(value))
    return table


def steps_table(steps: list[dict[str, Any]]) -> Table:
    table = Table(title=_("Steps in order"), box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("#", justify="right", no_wrap=True)
    id_column(table, _("step"), [step["id"] for step in steps])
    id_column(table, _("kind"), [step["kind"] for step in steps])
    for number, step in enumerate(steps, start=1):
        table.add_row(str(number), step["id"], step["kind"])
    return table


def _summary_lines(document: dict[str, Any]) -> list[str]:
    lines = [
        _("Upgrade {source} -> {target}: {type}, risk {risk}, path {path}, {count} hop(s).").format(
            source=document["from"],
            target=document["to"],
            type=hop_type_word(document["type"]),
            risk=risk_word(document["risk"]),
            path=path_word(document["path"]),
            count=len(document["hops"]),
        )
    ]
    if document["home"] is None:
        lines.append(_("No LOOM home was given: this is the catalog's path, without estimates."))
    else:
        lines.append(_("Home: {home}").format(home=document["home"]))
    if not document["hops"]:
        lines.append(_("The home is already at {target}; there is nothing to do.").format(target=document["to"]))
    return lines


def _estimate_lines(estimates: dict[str, Any] | None) -> list[str]:
    if estimates is None:
        return []
    rates = estimates["rates"]
    return [
        _("Estimated backup: {size}, about {duration}.").format(
            size=human_bytes(estimates["backup"]["bytes"]), duration=human_seconds(estimates["backup"]["seconds"])
        ),
        _("Estimated total duration: {duration} for {rows} rows.").format(
            duration=human_seconds(estimates["seconds"]), rows=estimates["total_rows"]
        ),
        _(
            "Estimates assume {backup} per second for backups, {migrate} rows per second for migrations and "
            "{verify} rows per second for verification; they are not measurements."
        ).format(
            backup=human_bytes(int(rates["backup_bytes_per_second"])),
            migrate=int(rates["migrate_rows_per_second"]),
            verify=int(rates["verify_rows_per_second"]),
        ),
    ]


def plan_view(document: dict[str, Any], diffs: list[RenderableType] | None = None) -> Group:
    """Build the whole plan view: summary, one table per hop, optional diffs, steps and estimates."""
    parts: list[RenderableType] = [Text(line) for line in _summary_lines(document)]
    parts += [Text(_("warning: {text}").format(text=w)) for w in document.get("warnings", [])]
    parts += [hop_table(hop) for hop in document["hops"]]
    parts += diffs or []
    if document["steps"]:
        parts.append(steps_table(document["steps"]))
    parts += [Text(line) for line in _estimate_lines(document.get("estimates"))]
    return Group(*parts)


def preflight_view(report: dict[str, Any]) -> Group:
    """Build one pass/fail line per check with its measured value, then the fixes of failures."""
    table = Table(title=_("Preflight checks"), box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column(_("result"), no_wrap=True)
    id_column(table, _("check"), [check["name"] for check in report["checks"]])
    for column in (_("measured"), _("detail")):
        table.add_column(column)
    for check in report["checks"]:
        if check["passed"]:
            status = _("PASS")
        elif check.get("overridden"):
            status = _("SKIPPED")
        else:
            status = _("FAIL")
        table.add_row(status, check["name"], Text(str(check["measured"] or "")), Text(check["detail"] or ""))
    parts: list[RenderableType] = [table]
    for check in report["checks"]:
        if not check["passed"] and check.get("fix"):
            parts.append(Text(_("fix {name}: {fix}").format(name=check["name"], fix=check["fix"])))
    verdict = _("Preflight passed.") if report["passed"] else _("Preflight failed.")
    parts.append(Text(verdict))
    return Group(*parts)
