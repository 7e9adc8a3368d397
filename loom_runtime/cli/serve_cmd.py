"""``loom serve [--host H] [--port P]``."""

from __future__ import annotations

import typer

from loom_runtime.cli import database
from loom_runtime.cli.context import settings_of
from loom_runtime.i18n import _


def serve(
    ctx: typer.Context,
    host: str = typer.Option(None, "--host", help=_("Address to listen on (default: server.host in the config).")),
    port: int = typer.Option(None, "--port", min=1, max=65535, help=_("TCP port to listen on (default: server.port in the config).")),
) -> None:
    from loom_runtime.api.server import run_server

    settings = settings_of(ctx)
    # Reading the revision first reports a missing SQLite file, instead of letting the
    # first request create an empty database. An old schema still starts: /ready reports it.
    database.current_revision(settings)
    run_server(settings, host, port)


def register(app: typer.Typer) -> None:
    app.command("serve", help=_("Run the HTTP service: health, readiness, metrics and the session API."))(serve)
