"""``loom-upgrade apply``: run a plan (or plan and run) with automatic rollback on failure."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from loom_upgrade.cli.output import OutputFormat, print_json, print_jsonl, stdout_console
from loom_upgrade.engine import events
from loom_upgrade.engine.apply import ApplyRequest, ApplyResult, apply
from loom_upgrade.engine.context import ApplyOptions
from loom_upgrade.engine.events import Event
from loom_upgrade.errors import LoomUpgradeError, UsageError
from loom_upgrade.home import locate_home
from loom_upgrade.i18n import _
from loom_upgrade.report.document import event_dict, event_line, report_document
from loom_upgrade.report.summary import append_step_summary, run_markdown
from loom_upgrade.targets.base import ArtifactSource

PATH_MODES = ("auto", "in-place", "export-import")


class HumanEvents:
    """Draw engine events on a terminal: one line per step, a bar while a step reports progress.

    Only the backup, migration and restore report progress, so those are the steps with a bar.
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def __call__(self, event: Event) -> None:
        if event.kind == events.STEP_PROGRESS:
            self._advance(event)
            return
        self._close_bar()
        line = self._line(event)
        if line:
            self.console.print(line, markup=False, highlight=False)

    def _advance(self, event: Event) -> None:
        if self.progress is None:
            self.progress = Progress(
                TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(), console=self.console, transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task(event.message or "", total=None)
        self.progress.update(
            self.task, completed=event.data.get("done", 0), total=event.data.get("total"), description=event.message or ""
        )

    def _close_bar(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def _line(self, event: Event) -> str | None:
        step = event.step_id or ""
        if event.kind == events.RUN_STARTED:
            return _("Upgrading from {source} to {target} ({count} steps).").format(
                source=event.data.get("from_release"), target=event.data.get("to_release"), count=len(event.data.get("steps", []))
            )
        if event.kind == events.STEP_STARTED:
            return f"→ {step}"
        if event.kind == events.STEP_FINISHED:
            return f"✓ {step}" + (f": {event.message}" if event.message else "")
        if event.kind == events.STEP_SKIPPED:
            return f"· {step}: {event.message}"
        if event.kind == events.STEP_FAILED:
            return f"✗ {step}: {event.message}"
        if event.kind == events.ROLLBACK_STARTED:
            return _("Rolling back: {reason}").format(reason=event.message)
        if event.kind == events.ROLLBACK_STEP:
            return f"↶ {step}" + (f": {event.message}" if event.message else "")
        if event.kind == events.NOTICE:
            prefix = f"{step}: " if step else ""
            detail = event.data.get("detail")
            return prefix + (event.message or "") + (f"\n{detail}" if detail else "")
        return None

    def close(self) -> None:
        self._close_bar()


def confirm_or_refuse(yes: bool, question: str) -> None:
    """Ask in a terminal; outside one, refuse without ``--yes`` (exit 2)."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(
            _("Refusing to change the deployment without confirmation: standard input is not a terminal."),
            fix=_("Pass --yes to run without asking."),
        )
    if not typer.confirm(question, default=False):
        raise typer.Exit(1)


def subscribers_for(output: OutputFormat, collected: list[dict]) -> tuple[list[Callable[[Event], None]], HumanEvents | None]:
    subscribers: list[Callable[[Event], None]] = [lambda event: collected.append(event_dict(event))]
    human = None
    if output is OutputFormat.jsonl:
        subscribers.append(lambda event: (sys.stdout.write(event_line(event) + "\n"), sys.stdout.flush()))
    elif output is OutputFormat.human:
        human = HumanEvents(stdout_console())
        subscribers.append(human)
    return subscribers, human


def render_result(result: ApplyResult, output: OutputFormat, collected: list[dict], *, exit_code: int = 0) -> None:
    append_step_summary(run_markdown(collected, result.outcome))
    if output is OutputFormat.json:
        print_json(report_document("apply", exit_code=exit_code, events=collected) | {"outcome": result.outcome})
        return
    if output is OutputFormat.jsonl:
        print_jsonl({"kind": "result", "outcome": result.outcome, "from": result.from_release, "to": result.to_release})
        return
    console = stdout_console()
    if result.outcome == "nothing-to-do":
        console.print(_("The home is already at {release}; nothing to do.").format(release=result.to_release), markup=False)
    elif result.outcome == "dry-run":
        console.print(_("Dry run: nothing was changed."), markup=False)
    else:
        console.print(_("Done: the home is verified at {release}.").format(release=result.to_release), markup=False)


def apply_command(
    plan_file: Path = typer.Argument(None, help=_("A plan saved by loom-upgrade plan --out; default: plan now.")),
    home: Path = typer.Option(None, "--home", help=_("LOOM home folder (default: LOOM_HOME, else the current folder).")),
    to: str = typer.Option(None, "--to", help=_("Release or release line to upgrade to (default: the newest).")),
    path_mode: str = typer.Option("auto", "--path", help=_("Upgrade path: auto, in-place or export-import."), metavar="auto|in-place|export-import"),
    playbook: Path = typer.Option(None, "--playbook", help=_("Playbook to run (default: the built-in local one).")),
    yes: bool = typer.Option(False, "--yes", "-y", help=_("Do not ask for confirmation.")),
    dry_run: bool = typer.Option(False, "--dry-run", help=_("Show every change (config and env as diffs, the database as SQL) and change nothing.")),
    resume: bool = typer.Option(False, "--resume", help=_("Continue the run that was interrupted, from its journal.")),
    fail_at: str = typer.Option(None, "--fail-at", help=_("Fail on purpose at this step (id or kind) to rehearse the rollback.")),
    no_artifact: bool = typer.Option(False, "--no-artifact", help=_("Do not install or switch the LOOM code; the operator does it.")),
    wheelhouse: Path = typer.Option(None, "--wheelhouse", help=_("Folder of wheels to install the new release from.")),
    find_links: list[str] = typer.Option([], "--find-links", help=_("Extra folder or URL of wheels (repeatable).")),
    index_url: str = typer.Option(None, "--index-url", help=_("Package index to install the new release from.")),
    skip_check: list[str] = typer.Option([], "--skip-check", help=_("Skip this preflight check by name (repeatable).")),
    drop_stale_batch_tables: bool = typer.Option(False, "--drop-stale-batch-tables", help=_("Drop _alembic_tmp_* tables left by an interrupted migration.")),
    port: int = typer.Option(None, "--port", help=_("Port of the local service (default: server.port of the config).")),
    output: OutputFormat = typer.Option(OutputFormat.human, "--output", help=_("Output format: human, json or jsonl.")),
) -> None:
    """Upgrade the deployment; on any failure restore it and verify the starting release."""
    if output is not OutputFormat.human:
        os.environ["LOOM_UPGRADE_OUTPUT"] = output.value
    if path_mode not in PATH_MODES:
        raise UsageError(
            _("--path {mode} is not a path kind.").format(mode=path_mode),
            fix=_("Use --path auto, --path in-place or --path export-import."),
        )
    if resume and plan_file is not None:
        raise UsageError(_("--resume continues the interrupted run and takes no plan file."), fix=_("Omit the plan file."))
    home_dir = locate_home(home, required=True)
    options = ApplyOptions(
        dry_run=dry_run,
        fail_at=fail_at,
        no_artifact=no_artifact,
        artifact_source=ArtifactSource(wheelhouse=wheelhouse, find_links=tuple(find_links), index_url=index_url),
        skip_checks=tuple(skip_check),
        drop_stale_batch_tables=drop_stale_batch_tables,
        port=port,
    )
    if not dry_run:
        confirm_or_refuse(yes, _("Upgrade the LOOM home {home}?").format(home=home_dir))
    request = ApplyRequest(
        home=home_dir, plan_file=plan_file, to=to, path_mode=path_mode, playbook=playbook, resume=resume,
        options=options, command="apply --resume" if resume else "apply",
    )
    collected: list[dict] = []
    subscribers, human = subscribers_for(output, collected)
    try:
        result = apply(request, subscribers)
    except LoomUpgradeError as exc:
        append_step_summary(run_markdown(collected, type(exc).__name__, exc))
        raise
    finally:
        if human is not None:
            human.close()
    render_result(result, output, collected)


def register(app: typer.Typer) -> None:
    app.command("apply", help=_("Upgrade the deployment; on any failure restore it and verify the starting release."))(apply_command)
