"""``loom token create --user U --role R [--ttl T] [--quiet]``, ``loom token list [--user U]``, ``loom token revoke ID``."""

from __future__ import annotations

import typer

from rich.cells import cell_len

from loom_runtime.auth import ROLES, AuthError, TokenRecord, create_token, list_tokens, revoke_token
from loom_runtime.cli import database
from loom_runtime.cli.context import settings_of
from loom_runtime.cli.errors import CliError
from loom_runtime.cli.output import stderr_console, stdout_console
from loom_runtime.i18n import _

token_app = typer.Typer(help=_("Manage API tokens."), no_args_is_help=True)


def _parse_ttl(value: str | None) -> int | None:
    """Read ``--ttl`` as whole seconds. Negative or non-numeric values are usage errors (exit 2)."""
    if value is None:
        return None
    try:
        seconds = int(value)
    except ValueError:
        seconds = -1
    if seconds < 0:
        raise typer.BadParameter(
            _("'{value}' is not a lifetime; give whole seconds, or 0 for a token that never expires.").format(value=value))
    return seconds


@token_app.command("create", help=_("Create an API token and show it once."))
def create(
    ctx: typer.Context,
    user: str = typer.Option(..., "--user", help=_("User the token acts as; created when missing.")),
    role: str = typer.Option(..., "--role", help=_("Role of the token: {roles}.").format(roles=", ".join(ROLES))),
    ttl: str = typer.Option(None, "--ttl", metavar="SECONDS", callback=_parse_ttl, help=_(
        "Lifetime of the token in seconds (default: auth.token_ttl of the config). 0 means the token never expires.")),
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


def _time(value) -> str:
    return value.isoformat(sep=" ", timespec="seconds") if value is not None else "-"


def _row(record: TokenRecord) -> list[str]:
    expires = _time(record.expires_at) if record.expires_at is not None else _("never")
    return [str(record.token_id), record.user, record.role, record.name, _time(record.created_at), expires, _time(record.revoked_at)]


def _columns(rows: list[list[str]]) -> list[str]:
    """Align ``rows`` in columns two spaces apart, never wrapping: ids and times are copied from here."""
    widths = [max(cell_len(row[index]) for row in rows) for index in range(len(rows[0]))]
    return ["  ".join(cell + " " * (width - cell_len(cell)) for cell, width in zip(row, widths)).rstrip() for row in rows]


@token_app.command("list", help=_("List API tokens (never the tokens themselves). Times are UTC."))
def list_command(
    ctx: typer.Context,
    user: str = typer.Option(None, "--user", help=_("Show only the tokens of this user.")),
) -> None:
    settings = settings_of(ctx)
    engine = database.open_engine(settings)
    try:
        with engine.connect() as connection:
            records = list_tokens(connection, user)
    finally:
        engine.dispose()
    console = stdout_console()
    if not records:
        console.print(_("No tokens.") if user is None else _("The user {user} has no tokens.").format(user=user), markup=False)
        return
    headers = [_("id"), _("user"), _("role"), _("name"), _("created"), _("expires"), _("revoked")]
    for line in _columns([headers, *(_row(record) for record in records)]):
        console.print(line, markup=False, crop=False, overflow="ignore")


@token_app.command("revoke", help=_("Revoke the token with this id (see `loom token list`). Requests that send it then get HTTP 401."))
def revoke(
    ctx: typer.Context,
    token_id: int = typer.Argument(..., metavar="ID", help=_("Id of the token, from `loom token list`.")),
) -> None:
    settings = settings_of(ctx)
    engine = database.open_engine(settings)
    try:
        with engine.begin() as connection:
            record = revoke_token(connection, token_id)
    except AuthError as exc:
        raise CliError(exc.message, exc.fix) from exc
    finally:
        engine.dispose()
    stdout_console().print(_("The token {id} of {user} (role {role}) is revoked since {time} UTC.").format(
        id=record.token_id, user=record.user, role=record.role, time=_time(record.revoked_at)), markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
