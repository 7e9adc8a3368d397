"""``loom init [--force [--yes]]``."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from loom_runtime.cli.context import home_of
from loom_runtime.cli.errors import CliError
from loom_runtime.cli.home_setup import init_home, rows_to_delete
from loom_runtime.cli.output import stdout_console
from loom_runtime.config import env_path
from loom_runtime.i18n import _


def _confirm_deletion(home: Path, yes: bool) -> None:
    """Ask before ``--force`` deletes rows. Without a terminal, require ``--yes``."""
    counts = rows_to_delete(home)
    if yes or not counts:
        return
    listing = ", ".join(f"{table} {count}" for table, count in counts.items())
    if not sys.stdin.isatty():
        raise CliError(_("`loom init --force` would delete every row of the database ({rows}), and no terminal is attached to confirm it.").format(rows=listing),
                       _("pass --yes to delete them, or run `loom export` first to keep a copy."), exit_code=2)
    stdout_console().print(_("`loom init --force` deletes every row of the database: {rows}.").format(rows=listing), markup=False)
    if not typer.confirm(_("Delete every session, turn, fact and token and recreate the database?"), default=False):
        raise CliError(_("Nothing was changed."), None, exit_code=1)


def init(
    ctx: typer.Context,
    force: bool = typer.Option(False, "--force", help=_(
        "Recreate the database of an existing home, deleting every row (sessions, turns, facts, users and tokens); "
        "config, .env and canon are never touched. Asks for confirmation in a terminal; elsewhere it needs --yes.")),
    yes: bool = typer.Option(False, "--yes", "-y", help=_("With --force: delete the rows without asking.")),
) -> None:
    home = home_of(ctx)
    if force:
        _confirm_deletion(home, yes)
    result = init_home(home, force=force)
    console = stdout_console()
    for path in result.created_files:
        console.print(_("created {path}").format(path=path), markup=False)
        if path == env_path(home):
            console.print(_("{path} is readable and writable only by its owner (mode 0600), because it contains API keys.").format(path=path), markup=False)
    if result.recreated_database:
        console.print(_("Recreated the database {url} at revision {revision}.").format(
            url=result.database_url, revision=result.revision), markup=False)
    else:
        console.print(_("Created the database {url} at revision {revision}.").format(
            url=result.database_url, revision=result.revision), markup=False)
    console.print(_("Create the first admin token with: loom --home {home} token create --user admin --role admin").format(
        home=home), markup=False)


def register(app: typer.Typer) -> None:
    app.command("init", help=_("Create a LOOM home: config, .env, starter canon, plugins/ and the database."))(init)
