"""``loom db migrate|upgrade|check|current``."""

from __future__ import annotations

import typer

from loom_runtime._version import __version__
from loom_runtime.cli import database
from loom_runtime.cli.context import settings_of
from loom_runtime.cli.errors import CliError
from loom_runtime.cli.output import stdout_console
from loom_runtime.i18n import _

db_app = typer.Typer(help=_("Inspect and migrate the home's database."), no_args_is_help=True)


def _upgrade(ctx: typer.Context) -> None:
    settings = settings_of(ctx)
    before, after, applied = database.upgrade_to_release(settings)
    console = stdout_console()
    if applied:
        console.print(_("Upgraded the database from revision {before} to {after} (applied: {applied}).").format(
            before=before or "-", after=after, applied=", ".join(applied)), markup=False)
    else:
        console.print(_("The database is already at revision {revision}; nothing to do.").format(revision=after), markup=False)


@db_app.command("upgrade", help=_("Upgrade the database to the revision this release serves."))
def upgrade(ctx: typer.Context) -> None:
    _upgrade(ctx)


@db_app.command("migrate", help=_("Same as upgrade: migrate the database to the revision this release serves."))
def migrate(ctx: typer.Context) -> None:
    _upgrade(ctx)


@db_app.command("current", help=_("Show the database's schema revision and the release that last wrote it."))
def current(ctx: typer.Context) -> None:
    settings = settings_of(ctx)
    revision = database.current_revision(settings)
    release = database.recorded_release(settings)
    stdout_console().print(_("revision: {revision}").format(revision=revision or "-"), markup=False)
    stdout_console().print(_("release: {release}").format(release=release or "-"), markup=False)


@db_app.command("check", help=_("Check that this release can serve the database; exit 1 if not."))
def check(ctx: typer.Context) -> None:
    settings = settings_of(ctx)
    status = database.status(settings)
    if not status.servable:
        raise CliError(status.reason or "", status.fix)
    stdout_console().print(_("The database at revision {revision} can be served by LOOM {release}.").format(
        revision=status.current, release=__version__), markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
