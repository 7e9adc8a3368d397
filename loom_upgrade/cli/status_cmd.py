"""``loom-upgrade status`` and ``history``: what the journal records about this deployment."""

from __future__ import annotations

import shlex
import time
from pathlib import Path

import typer
from rich.table import Table

from loom_upgrade.cli.output import OutputFormat, print_json, print_jsonl, stdout_console
from loom_upgrade.engine import journal
from loom_upgrade.engine.journal import RunState, list_runs
from loom_upgrade.engine.lock import DeploymentLock, LockHolder, holder_alive
from loom_upgrade.home import locate_home
from loom_upgrade.i18n import _
from loom_upgrade.report.render import id_column, print_view
from loom_upgrade.state import StateFolder

UNFINISHED = "unfinished"
PENDING = "pending"


def _when(moment: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(moment)) if moment else "-"


def status_word(value: str) -> str:
    """Translate a step status or run outcome for human output (json and jsonl keep the value)."""
    words = {
        journal.STARTED: _("in progress"),
        journal.DONE: _("done"),
        journal.FAILED: _("failed"),
        journal.SKIPPED: _("skipped"),
        journal.UNDONE: _("undone"),
        journal.OUTCOME_ROLLED_BACK: _("rolled back"),
        journal.OUTCOME_ROLLBACK_FAILED: _("rollback failed"),
        journal.OUTCOME_PREFLIGHT_FAILED: _("preflight failed"),
        journal.OUTCOME_NOTHING_TO_DO: _("nothing to do"),
        journal.OUTCOME_DRY_RUN: _("dry run"),
        journal.OUTCOME_RESTORED: _("backup restored"),
        UNFINISHED: _("unfinished"),
        PENDING: _("pending"),
    }
    return words.get(value, value)


def run_document(run: RunState) -> dict:
    return {
        "run_id": run.run_id,
        "command": run.command,
        "from": run.from_release,
        "to": run.to_release,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "outcome": run.outcome or UNFINISHED,
        "backup": (run.backup or {}).get("id") or run.context.get("restored_backup"),
        "steps": [
            {"id": step_id, "status": run.status_of(step_id) or PENDING, "error": run.steps[step_id].error if step_id in run.steps else None}
            for step_id in run.order
        ],
    }


def lock_document(holder: LockHolder | None, last: dict | None, home: Path) -> dict:
    """Describe the lock holder, whether it still runs, and the commands that continue after a dead one."""
    if holder is None:
        return {"lock": None, "lock_stale": False, "next_commands": []}
    stale = not holder_alive(holder)
    next_commands: list[str] = []
    if stale and last is not None and last["outcome"] == UNFINISHED:
        quoted = shlex.quote(str(home))
        # Either continues from the journal; the first one to run removes the stale lock.
        next_commands = [f"loom-upgrade apply --resume --home {quoted}", f"loom-upgrade rollback --home {quoted}"]
    return {"lock": holder.describe(), "lock_stale": stale, "next_commands": next_commands}


def _lock_lines(lock: dict, last: dict | None, home: Path) -> list[str]:
    if lock["lock"] is None:
        return [_("Lock: free")]
    if not lock["lock_stale"]:
        return [_("Lock: held by {holder}").format(holder=lock["lock"])]
    lines = [_("Lock: stale, left by {holder}; that process no longer exists.").format(holder=lock["lock"])]
    if last is not None and last["outcome"] == UNFINISHED:
        lines.append(
            _("Next: continue the run with loom-upgrade apply --resume --home {home}, or undo it with loom-upgrade rollback --home {home}.").format(
                home=shlex.quote(str(home))
            )
        )
    else:
        lines.append(_("Next: the next loom-upgrade command removes the stale lock; nothing else is needed."))
    return lines


def status_command(
    home: Path = typer.Option(None, "--home", help=_("LOOM home folder (default: LOOM_HOME, else the current folder).")),
    output: OutputFormat = typer.Option(OutputFormat.human, "--output", help=_("Output format: human, json or jsonl.")),
) -> None:
    """Show the last run, every step's status, and who holds the lock."""
    home_dir = locate_home(home, required=True)
    state = StateFolder.of(home_dir)
    runs = list_runs(state.root)
    holder = DeploymentLock(state.root, "status").read_holder()
    last = run_document(runs[-1]) if runs else None
    lock = lock_document(holder, last, home_dir)
    if output is OutputFormat.json:
        print_json({"home": str(home_dir), **lock, "last_run": last})
        return
    if output is OutputFormat.jsonl:
        print_jsonl({"kind": "status", "home": str(home_dir), **lock})
        if last is not None:
            steps = last["steps"]
            print_jsonl({"kind": "run", **{key: value for key, value in last.items() if key != "steps"}})
            for step in steps:
                print_jsonl({"kind": "step", "run_id": last["run_id"], **step})
        return
    _print_status(home_dir, lock, last)


def _print_status(home_dir: Path, lock: dict, last: dict | None) -> None:
    console = stdout_console()
    for line in _lock_lines(lock, last, home_dir):
        console.print(line, markup=False)
    if last is None:
        console.print(_("No upgrade has run on this home."), markup=False)
        return
    if last["outcome"] == journal.OUTCOME_RESTORED:
        console.print(
            _("Last run {run}: backup {backup} restored ({command}), {source} -> {target}, started {started}.").format(
                run=last["run_id"], backup=last["backup"], command=last["command"], source=last["from"] or "-",
                target=last["to"] or "-", started=_when(last["started_at"]),
            ),
            markup=False,
        )
        return
    console.print(
        _("Last run {run}: {source} -> {target}, {outcome}, started {started}.").format(
            run=last["run_id"], source=last["from"], target=last["to"], outcome=status_word(last["outcome"]),
            started=_when(last["started_at"]),
        ),
        markup=False,
    )
    table = Table()
    id_column(table, _("step"), [step["id"] for step in last["steps"]])
    table.add_column(_("status"))
    table.add_column(_("error"))
    for step in last["steps"]:
        table.add_row(step["id"], status_word(step["status"]), step["error"] or "")
    print_view(console, table)
    if last["outcome"] == UNFINISHED and not lock["lock_stale"]:
        console.print(
            _("This run was interrupted: continue it with loom-upgrade apply --resume, or undo it with loom-upgrade rollback."),
            markup=False,
        )


def history_command(
    home: Path = typer.Option(None, "--home", help=_("LOOM home folder (default: LOOM_HOME, else the current folder).")),
    output: OutputFormat = typer.Option(OutputFormat.human, "--output", help=_("Output format: human, json or jsonl.")),
) -> None:
    """List every run of this home (upgrades, rollbacks and backup restores), oldest first."""
    home_dir = locate_home(home, required=True)
    runs = [run_document(run) for run in list_runs(StateFolder.of(home_dir).root)]
    if output is OutputFormat.json:
        print_json({"home": str(home_dir), "runs": runs})
        return
    if output is OutputFormat.jsonl:
        for run in runs:
            print_jsonl({"kind": "run", **run})
        return
    table = Table()
    id_column(table, _("run"), [run["run_id"] for run in runs])
    for header in (_("started"), _("from"), _("to"), _("outcome")):
        table.add_column(header)
    id_column(table, _("backup"), [run["backup"] or "" for run in runs])
    for run in runs:
        table.add_row(
            run["run_id"], _when(run["started_at"]), run["from"] or "", run["to"] or "", status_word(run["outcome"]),
            run["backup"] or "",
        )
    print_view(stdout_console(), table)


def register(app: typer.Typer) -> None:
    app.command("status", help=_("Show the last run, every step's status, and who holds the lock."))(status_command)
    app.command("history", help=_("List every run of this home (upgrades, rollbacks and backup restores), oldest first."))(history_command)
