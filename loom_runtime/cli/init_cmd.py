"""``loom init [--force]``."""

from __future__ import annotations

import typer

from loom_runtime.cli.context import home_of
from loom_runtime.cli.home_setup import init_home
from loom_runtime.cli.output import stdout_console
from loom_runtime.i18n import _


def init(
    ctx: typer.Context,
    force: bool = typer.Option(False, "--force", help=_("Recreate only the database; config, .env and canon are never touched.")),
) -> None:
    home = home_of(ctx)
    result = init_home(home, force=force)
    console = stdout_console()
    for path in result.created_files:
        console.print(_("created {path}").format(path=path), markup=False)
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
