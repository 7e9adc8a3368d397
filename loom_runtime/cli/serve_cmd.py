"""``loom serve [--host H] [--port P]``."""

from __future__ import annotations

import errno
import socket

import typer

from loom_runtime.cli import database
from loom_runtime.cli.context import settings_of
from loom_runtime.cli.errors import CliError
from loom_runtime.i18n import _


def _check_address(host: str, port: int) -> None:
    """Raise a CliError when ``host:port`` cannot be bound, before the service starts.

    uvicorn reports a failed bind only as a log line and exits 3, after the application
    has started. The probe binds the way uvicorn does (SO_REUSEADDR) and closes at once.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise CliError(_("The service cannot listen on {host}:{port}: the host name {host} is unknown ({reason}).").format(
            host=host, port=port, reason=exc.strerror or exc),
            _("correct --host or server.host: use an IP address of this machine, such as 127.0.0.1, or a host name that resolves to one.")) from exc
    try:
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise CliError(_("The service cannot listen on {host}:{port}: {reason}.").format(host=host, port=port, reason=exc.strerror or exc),
                       _bind_fix(exc)) from exc


def _bind_fix(exc: OSError) -> str:
    """Return the fix that matches why a bind failed."""
    if exc.errno == errno.EADDRINUSE:
        return _("stop the program that uses this address, or choose another with --host/--port or server.host/server.port.")
    if exc.errno == errno.EADDRNOTAVAIL:
        return _("use an address that belongs to this machine (see `ip addr`), such as 127.0.0.1, in --host or server.host.")
    if exc.errno == errno.EACCES:
        return _("use a port from 1024 up in --port or server.port, or give the program the right to bind lower ports.")
    return _("choose another address with --host/--port or server.host/server.port.")


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
    _check_address(host or settings.host, port or settings.port)
    run_server(settings, host, port)


def register(app: typer.Typer) -> None:
    app.command("serve", help=_("Run the HTTP service: health, readiness, metrics and the session API."))(serve)
