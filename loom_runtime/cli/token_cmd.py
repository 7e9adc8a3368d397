"""``loom token create --user U --role R [--ttl T] [--quiet]``."""

from __future__ import annotations

import typer

from loom_runtime.auth import ROLES, AuthError, create_token
from loom_runtime.cli import database
from loom_runtime.cli.context import settings_of
from loom_runtime.cli.errors import CliError
from loom_runtime.cli.output import stderr_console, stdout_console
from loom_runtime.i18n import _

token_app = typer.Typer(help=_("Manage API tokens."), no_args_is_help=True)


@token_app.command("create", help=_("Create an API token and show it once."))
def create(
    ctx: typer.Context,
    user: str = typer.Option(..., "--user", help=_("User the token acts as; created when missing.")),
    role: str = typer.Option(..., "--role", help=_("Role of the token: {roles}.").format(roles=", ".join(ROLES))),
    ttl: int = typer.Option(None, "--ttl", help=_("Lifetime in seconds (default: auth.token_ttl; 0: never expires).")),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=_("Print only the token, on one line.")),
) -> None:
    settings = settings_of(ctx)
    engine = database.open_engine(settings)
    try:
        with engine.begin() as connection:
            issued = create_token(connection, user, role, settings.token_ttl if ttl is None else ttl)
    except AuthError as exc:
        raise CliError(exc.message, exc.fix) from exc
    finally:
        engine.dispose()

    if quiet:
        typer.echo(issued.token)
        return
    console = stdout_console()
    console.print(_("Created a token for {user} with the role {role}.").format(user=issued.user, role=issued.role), markup=False)
    if issued.expires_at is not None:
        console.print(_("It expires at {time} UTC.").format(time=issued.expires_at.isoformat(timespec="seconds")), markup=False)
    else:
        console.print(_("It never expires."), markup=False)
    console.print(issued.token, markup=False)
    stderr_console().print(_("This is the only time the token is shown; store it now."), markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
