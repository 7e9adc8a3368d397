"""``loom-upgrade status`` and ``history``: what the journal records about this deployment."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.table import Table

from loom_upgrade.cli.output import OutputFormat, print_json, stdout_console
from loom_upgrade.engine.journal import RunState, list_runs
from loom_upgrade.engine.lock import DeploymentLock
from loom_upgrade.home import locate_home
from loom_upgrade.i18n import _
from loom_upgrade.state import StateFolder


def _when(moment: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(moment)) if moment else "-"


def run_document(run: RunState) -> dict:
    return {
        "run_id": run.run_id,
        "command": run.command,
        "from": run.from_release,
        "to": run.to_release,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "outcome": run.outcome or "unfinished",
        "backup": (run.backup or {}).get("id"),
        "steps": [
            {"id": step_id, "status": run.status_of(step_id) or "pending", "error": run.steps[step_id].error if step_id in run.steps else None}
            for step_id in run.order
        ],
    }


def status_command(
    home: Path = typer.Option(None, "--home", help=_("LOOM home folder (default: LOOM_HOME, else the current folder).")),
    output: OutputFormat = typer.Option(OutputFormat.human, "--output", help=_("Output format: human or json.")),
) -> None:
    """Show the last run, every step's status, and who holds the lock."""
    home_dir = locate_home(home, required=True)
    state = StateFolder.of(home_dir)
    runs = list_runs(state.root)
    holder = DeploymentLock(state.root, "status").read_holder()
    last = run_document(runs[-1]) if runs else None
    if output is not OutputFormat.human:
        print_json({"home": str(home_dir), "lock": holder.describe() if holder else None, "last_run": last})
        return
    console = stdout_console()
    console.print(
        _("Lock: held by {holder}").format(holder=holder.describe()) if holder else _("Lock: free"), markup=False
    )
    if last is None:
        console.print(_("No upgrade has run on this home."), markup=False)
        return
    console.print(
        _("Last run {run}: {source} -> {target}, {outcome}, started {started}.").format(
            run=last["run_id"], source=last["from"], target=last["to"], outcome=last["outcome"], started=_when(last["started_at"])
        ),
        markup=False,
    )
    table = Table(_("step"), _("status"), _("error"))
    for step in last["steps"]:
        table.add_row(step["id"], step["status"], step["error"] or "")
    console.print(table)
    if last["outcome"] == "unfinished":
        console.print(
            _("This run was interrupted: continue it with loom-upgrade apply --resume, or undo it with loom-upgrade rollback."),
            markup=False,
        )


def history_command(
    home: Path = typer.Option(None, "--home", help=_("LOOM home folder (default: LOOM_HOME, else the current folder).")),
    output: OutputFormat = typer.Option(OutputFormat.human, "--output", help=_("Output format: human or json.")),
) -> None:
    """List every upgrade run of this home, oldest first."""
    home_dir = locate_home(home, required=True)
    runs = [run_document(run) for run in list_runs(StateFolder.of(home_dir).root)]
    if output is not OutputFormat.human:
        print_json({"home": str(home_dir), "runs": runs})
        return
    table = Table(_("run"), _("started"), _("from"), _("to"), _("outcome"), _("backup"))
    for run in runs:
        table.add_row(run["run_id"], _when(run["started_at"]), run["from"] or "", run["to"] or "", run["outcome"], run["backup"] or "")
    stdout_console().print(table)


def register(app: typer.Typer) -> None:
    app.command("status", help=_("Show the last run, every step's status, and who holds the lock."))(status_command)
    app.command("history", help=_("List every upgrade run of this home, oldest first."))(history_command)
