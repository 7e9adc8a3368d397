"""``loom-upgrade backup create|list|verify|prune``: the verified backups of a LOOM home."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.filesize import decimal
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from loom_upgrade.backup import (
    BackupInfo,
    create_backup,
    list_backups,
    prune_backups,
    resolve_backup,
    verify_backup,
)
from loom_upgrade.backup import Progress as BackupProgress
from loom_upgrade.cli.output import OutputFormat, print_json, stderr_console, stdout_console
from loom_upgrade.report.render import id_column, print_view
from loom_upgrade.errors import BackupError
from loom_upgrade.home import detect_home, locate_home
from loom_upgrade.home.unknown_release import unknown_release_reason
from loom_upgrade.i18n import _, ngettext
from loom_upgrade.state import StateFolder

backup_app = typer.Typer(
    help=_("Create, list, verify and prune the backups of a LOOM home."),
    no_args_is_help=True,
    rich_markup_mode=None,
)

HOME_HELP = _("LOOM home folder (default: LOOM_HOME, else the current folder).")
OUTPUT_HELP = _("Output format: human, json or jsonl.")


def _json_errors(output: OutputFormat) -> None:
    # The top-level error handler reads this to print errors as JSON too.
    if output is not OutputFormat.human:
        os.environ["LOOM_UPGRADE_OUTPUT"] = output.value


def _state_dir(home: Path | None) -> Path:
    return StateFolder.of(locate_home(home, required=True)).root


class _ProgressBars:
    """Rich progress bars on standard error, one per backup phase."""

    LABELS = {
        "database": _("Copying the database"),
        "files": _("Archiving config, .env, canon and plugins"),
        "verify": _("Hashing the backup"),
    }

    def __init__(self) -> None:
        console = stderr_console()
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _ProgressBars:
        self.progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.stop()

    def update(self, event: BackupProgress) -> None:
        if event.phase not in self.tasks:
            self.tasks[event.phase] = self.progress.add_task(self.LABELS.get(event.phase, event.phase), total=event.total)
        self.progress.update(self.tasks[event.phase], completed=event.done, total=event.total)


def create(
    home: Path = typer.Option(None, "--home", help=HOME_HELP),
    output: OutputFormat = typer.Option(OutputFormat.human, "--output", help=OUTPUT_HELP),
    busy_timeout: float = typer.Option(
        30.0, "--busy-timeout", help=_("Seconds to keep retrying while the SQLite database is locked.")
    ),
) -> None:
    """Back up the database, config, .env, canon and plugins, then verify the backup."""
    _json_errors(output)
    state = detect_home(locate_home(home, required=True), with_tables=False)
    if state.release is None:
        # The backup is labelled with the release it restores, so it cannot be made without one.
        reason, fix = unknown_release_reason(state)
        raise BackupError(reason, path=state.home, fix=fix)
    show_progress = output is OutputFormat.human
    with _ProgressBars() as bars:
        info = create_backup(
            state.home, state_dir=state.state_dir, db_url=state.db_url, release=state.release,
            db_revision=state.db_revision, progress=bars.update if show_progress else None,
            busy_timeout=busy_timeout,
        )
    if output is OutputFormat.human:
        console = stdout_console()
        console.print(_("Created and verified backup {id} ({size}).").format(id=info.id, size=decimal(info.size)), markup=False)
        console.print(_("Release {release}, database revision {revision}, {kind} database {url}.").format(
            release=info.release, revision=info.db_revision, kind=info.db_kind, url=state.db_url_redacted), markup=False)
        console.print(_("Folder: {path}").format(path=info.path), markup=False)
    else:
        print_json({"command": "backup create", "backup": info.to_dict(), "verified": True})


def list_command(
    home: Path = typer.Option(None, "--home", help=HOME_HELP),
    output: OutputFormat = typer.Option(OutputFormat.human, "--output", help=OUTPUT_HELP),
) -> None:
    """List the backups of the home, oldest first."""
    _json_errors(output)
    backups = list_backups(_state_dir(home))
    if output is not OutputFormat.human:
        print_json({"command": "backup list", "backups": [info.to_dict() for info in backups]})
        return
    console = stdout_console()
    if not backups:
        console.print(_("No backups yet. Create one with `loom-upgrade backup create`."), markup=False)
        return
    table = Table(show_edge=False)
    id_column(table, _("ID"), [info.id for info in backups])
    id_column(table, _("Created (UTC)"), [_short_time(info.created_at) for info in backups])
    id_column(table, _("Release"), [info.release or "" for info in backups])
    id_column(table, _("Revision"), [info.db_revision or "" for info in backups])
    for header in (_("Database"), _("Size")):
        table.add_column(header, no_wrap=True, overflow="fold")
    for info in backups:
        table.add_row(info.id, _short_time(info.created_at), info.release or "", info.db_revision or "",
                      info.db_kind or "", decimal(info.size))
    print_view(console, table)


def _short_time(created_at: str | None) -> str:
    return (created_at or "")[:16].replace("T", " ")


def verify(
    backup: str = typer.Argument(None, help=_("Backup id, id prefix or folder (default: the newest backup).")),
    home: Path = typer.Option(None, "--home", help=HOME_HELP),
    output: OutputFormat = typer.Option(OutputFormat.human, "--output", help=OUTPUT_HELP),
) -> None:
    """Check a backup's digests, its database copy and its archive; exit 2 when it fails."""
    _json_errors(output)
    if backup is not None and Path(backup).exists():
        # A path names the backup by itself, so it needs no home.
        info = resolve_backup(Path(backup).parent, backup)
    else:
        info = _pick(_state_dir(home), backup)
    result = verify_backup(info)
    if output is not OutputFormat.human:
        print_json({"command": "backup verify", **result.to_dict()})
        return
    console = stdout_console()
    for check in result.checks:
        console.print(_("passed: {name}: {detail}").format(name=check.name, detail=check.detail), markup=False)
    console.print(_("Backup {id} is verified.").format(id=info.id), markup=False)


def _pick(state_dir: Path, reference: str | None) -> BackupInfo:
    if reference is not None:
        return resolve_backup(state_dir, reference)
    backups = list_backups(state_dir)
    if not backups:
        raise BackupError(
            _("There is no backup to verify in {folder}.").format(folder=state_dir / "backups"),
            fix=_("Create one with `loom-upgrade backup create`."),
        )
    return backups[-1]


def prune(
    keep: int = typer.Option(3, "--keep", help=_("Number of newest backups to keep (the newest is always kept).")),
    dry_run: bool = typer.Option(False, "--dry-run", help=_("Show what would be removed without removing it.")),
    home: Path = typer.Option(None, "--home", help=HOME_HELP),
    output: OutputFormat = typer.Option(OutputFormat.human, "--output", help=OUTPUT_HELP),
) -> None:
    """Remove old backups; a backup that an unfinished run needs is always kept."""
    _json_errors(output)
    result = prune_backups(_state_dir(home), keep, dry_run=dry_run)
    if output is not OutputFormat.human:
        print_json({"command": "backup prune", "dry_run": dry_run, **result.to_dict()})
        return
    console = stdout_console()
    message = _("Would remove {id} ({size}).") if dry_run else _("Removed {id} ({size}).")
    for info in result.removed:
        console.print(message.format(id=info.id, size=decimal(info.size)), markup=False)
    for path in result.removed_partial:
        console.print(_("Removed the unfinished backup {path}.").format(path=path.name), markup=False)
    kept = len(result.kept)
    console.print(ngettext("Kept {count} backup.", "Kept {count} backups.", kept).format(count=kept), markup=False)
    if result.kept_as_newest is not None:
        console.print(_("Kept {id} although --keep is {keep}: the newest backup is always kept, so the home can still be restored.").format(
            id=result.kept_as_newest, keep=keep), markup=False)
    for backup_id in result.kept_for_runs:
        console.print(_("Kept {id}: an unfinished run needs it; finish it with loom-upgrade apply --resume or rollback.").format(
            id=backup_id), markup=False)


def register(app: typer.Typer) -> None:
    backup_app.command("create", help=_("Back up the database, config, .env, canon and plugins, then verify the backup."))(create)
    backup_app.command("list", help=_("List the backups of the home, oldest first."))(list_command)
    backup_app.command("verify", help=_("Check a backup's digests, its database copy and its archive; exit 2 when it fails."))(verify)
    backup_app.command("prune", help=_("Remove old backups; a backup that an unfinished run needs is always kept."))(prune)
    app.add_typer(backup_app, name="backup")

