"""``loom-upgrade rollback``: undo an interrupted run, or restore any verified backup."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from loom_upgrade.cli.apply_cmd import confirm_or_refuse, subscribers_for
from loom_upgrade.cli.output import OutputFormat, print_json, print_jsonl, stdout_console
from loom_upgrade.engine.apply import rollback_interrupted, rollback_to_backup
from loom_upgrade.errors import OperatorActionError
from loom_upgrade.home import locate_home
from loom_upgrade.i18n import _
from loom_upgrade.report.document import report_document
from loom_upgrade.report.summary import append_step_summary, run_markdown


def rollback_command(
    backup: str = typer.Option(None, "--backup", help=_("Backup id or path to restore (default: undo the interrupted run).")),
    home: Path = typer.Option(None, "--home", help=_("LOOM home folder (default: LOOM_HOME, else the current folder).")),
    discard_writes: bool = typer.Option(False, "--discard-writes", help=_("Restore even though rows were written after the backup; they are lost.")),
    yes: bool = typer.Option(False, "--yes", "-y", help=_("Do not ask for confirmation.")),
    output: OutputFormat = typer.Option(OutputFormat.human, "--output", help=_("Output format: human, json or jsonl.")),
) -> None:
    """Restore data, config, env, canon, code and service state, then verify them."""
    if output is not OutputFormat.human:
        os.environ["LOOM_UPGRADE_OUTPUT"] = output.value
    home_dir = locate_home(home, required=True)
    confirm_or_refuse(yes, _("Roll back the LOOM home {home}?").format(home=home_dir))
    console = stdout_console()
    if backup is None:
        collected: list[dict] = []
        subscribers, human = subscribers_for(output, collected)
        try:
            result = rollback_interrupted(home_dir, subscribers)
        finally:
            if human is not None:
                human.close()
        append_step_summary(run_markdown(collected, result.outcome))
        if result.outcome != "rolled-back":
            raise OperatorActionError(
                _("The rollback did not complete: {problem}").format(problem=result.run.rollback_error),
                fix=_("Restore the run's backup: loom-upgrade rollback --home {home} --backup ID --yes").format(home=home_dir),
            )
        if output is OutputFormat.json:
            print_json(report_document("rollback", exit_code=0, events=collected) | {"outcome": result.outcome})
        elif output is OutputFormat.jsonl:
            print_jsonl({"kind": "result", "outcome": result.outcome, "release": result.from_release})
        elif output is OutputFormat.human:
            console.print(_("Rolled back and verified at {release}.").format(release=result.from_release), markup=False)
        return
    restored = rollback_to_backup(home_dir, backup, discard_writes=discard_writes)
    document = {
        "backup": restored.backup_id,
        "release": restored.release,
        "rows_discarded": restored.rows_discarded,
        "artifact_restored": restored.artifact_restored,
        "service_running": restored.service_running,
    }
    append_step_summary("## " + _("loom-upgrade rollback: restored backup {id}").format(id=restored.backup_id) + "\n")
    if output is OutputFormat.human and restored.rows_discarded:
        console.print(
            _("Restored backup {id}: the home is at {release}; {rows} rows written after the backup were discarded.").format(
                id=restored.backup_id, release=restored.release, rows=restored.rows_discarded
            ),
            markup=False,
        )
    elif output is OutputFormat.human:
        console.print(
            _("Restored backup {id}: the home is at {release}; no rows were written after the backup.").format(
                id=restored.backup_id, release=restored.release
            ),
            markup=False,
        )
    elif output is OutputFormat.jsonl:
        print_jsonl({"kind": "result", "outcome": "restored", **document})
    else:
        print_json(report_document("rollback", exit_code=0) | {"rollback": document})


def register(app: typer.Typer) -> None:
    app.command("rollback", help=_("Undo an interrupted run, or restore any verified backup, then verify."))(rollback_command)
