"""``loom-upgrade plan``: show (and optionally save) the plan from one release to another."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import typer
from rich.console import RenderableType
from rich.syntax import Syntax
from rich.text import Text

from loom_upgrade.catalog import load_catalog
from loom_upgrade.cli.output import OutputFormat, print_json, print_jsonl, stdout_console
from loom_upgrade.report.render import print_view
from loom_upgrade.errors import LoomUpgradeError, UsageError
from loom_upgrade.home import detect_home, locate_home
from loom_upgrade.i18n import _
from loom_upgrade.planner import Plan, plan_upgrade, save_plan
from loom_upgrade.planner.path import PATH_MODES
from loom_upgrade.report.document import report_document
from loom_upgrade.report.human import plan_view
from loom_upgrade.report.summary import append_step_summary, plan_markdown

log = logging.getLogger(__name__)


def _first_hop_diffs(plan: Plan) -> list[RenderableType]:
    """Render the config diff the first hop would make, from the migrate area's dry run.

    Only config diffs are shown, because a diff of ``.env`` would print its values, which
    may be secrets.
    """
    if not plan.hops or plan.home is None:
        return []
    try:
        from loom_upgrade.migrate import apply_edge
    except ImportError:
        return []
    try:
        report = apply_edge(Path(plan.home), plan.hops[0].edge.as_mapping(), dry_run=True, only={"config"})
    except LoomUpgradeError as exc:
        return [Text(_("The config migration of the first hop would fail: {message}").format(message=exc.message))]
    parts: list[RenderableType] = []
    for item in report.files:
        if item.kind == "config" and item.diff:
            parts.append(Text(_("Config changes of hop 1 (dry run):")))
            parts.append(Syntax(item.diff, "diff", theme="ansi_dark", background_color="default"))
    return parts


def plan(
    from_spec: str = typer.Option(None, "--from", help=_("Release or release line to upgrade from (default: the home's).")),
    to_spec: str = typer.Option(None, "--to", help=_("Release or release line to upgrade to (default: the newest).")),
    home: Path = typer.Option(None, "--home", help=_("LOOM home folder (default: LOOM_HOME, else the current folder).")),
    path_mode: str = typer.Option("auto", "--path", help=_("Upgrade path: auto, in-place or export-import."), metavar="auto|in-place|export-import"),
    playbook: Path = typer.Option(None, "--playbook", help=_("Playbook to expand (default: the built-in local one).")),
    output: OutputFormat = typer.Option(OutputFormat.human, "--output", help=_("Output format: human, json or jsonl.")),
    out: Path = typer.Option(None, "--out", help=_("Save the signed plan to this file for loom-upgrade apply.")),
    catalog_path: Path = typer.Option(None, "--catalog", help=_("Release catalog to read instead of the installed one.")),
) -> None:
    """Show the steps, changes and estimates of an upgrade without changing anything."""
    if output is not OutputFormat.human:
        os.environ["LOOM_UPGRADE_OUTPUT"] = output.value
    if path_mode not in PATH_MODES:
        raise UsageError(
            _("--path {mode} is not a path kind.").format(mode=path_mode),
            fix=_("Use --path auto, --path in-place or --path export-import."),
        )
    catalog = load_catalog(catalog_path)
    home_dir = locate_home(home, required=out is not None)
    state = detect_home(home_dir, catalog) if home_dir is not None else None
    result = plan_upgrade(
        catalog, from_spec=from_spec, to_spec=to_spec, home=state, path_mode=path_mode, playbook_path=playbook
    )
    if out is not None:
        save_plan(result, out)

    document = result.to_document()
    append_step_summary(plan_markdown(document))
    if output is OutputFormat.human:
        console = stdout_console()
        print_view(console, plan_view(document, _first_hop_diffs(result)))
        if out is not None:
            console.print(_("Plan saved to {path}; run it with: loom-upgrade apply {path}").format(path=out), markup=False)
    elif output is OutputFormat.json:
        print_json(report_document("plan", exit_code=0, plan=document))
    else:
        print_jsonl(report_document("plan", exit_code=0, plan=document))


def register(app: typer.Typer) -> None:
    app.command("plan", help=_("Show the steps, changes and estimates of an upgrade without changing anything."))(plan)
