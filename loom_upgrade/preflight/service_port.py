"""The port the new service will listen on must be free, or the new service dies at start
and a health probe may reach whichever process is bound to the port instead."""

from __future__ import annotations

import errno
import logging
import socket

import psutil

from loom_upgrade.i18n import _
from loom_upgrade.preflight.base import CheckResult, PreflightContext

log = logging.getLogger(__name__)

NAME = "service-port"
SERVICE_HOST = "127.0.0.1"  # the address the local target starts the service on
DEFAULT_PORT = 8000  # LOOM's default for a config without server.port


def service_port(context: PreflightContext) -> int:
    """Return ``--port`` when given, else the config's ``server.port``, else LOOM's default."""
    if context.port is not None:
        return context.port
    server = context.home.config.get("server") if isinstance(context.home.config, dict) else None
    port = server.get("port") if isinstance(server, dict) else None
    return port if isinstance(port, int) and not isinstance(port, bool) else DEFAULT_PORT


def port_in_use(host: str, port: int) -> bool:
    """Return True when binding ``host:port`` fails because the address is taken.

    SO_REUSEADDR is set as uvicorn sets it, so sockets in TIME_WAIT do not count.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def port_holder(port: int) -> str | None:
    """Return "PID 123 (name)" of the process listening on ``port``, or None when the
    system does not tell this user (other users' sockets need root on most hosts)."""
    try:
        connections = psutil.net_connections(kind="inet")
    except (psutil.AccessDenied, PermissionError) as exc:
        log.info("cannot list sockets to find the holder of port %s: %s", port, exc)
        return None
    for connection in connections:
        if connection.status != psutil.CONN_LISTEN or not connection.laddr or connection.laddr.port != port:
            continue
        if connection.pid is None:
            return None
        try:
            name = psutil.Process(connection.pid).name()
        except psutil.Error:
            return _("PID {pid}").format(pid=connection.pid)
        return _("PID {pid} ({name})").format(pid=connection.pid, name=name)
    return None


def check(context: PreflightContext) -> CheckResult:
    if context.plan is not None and not context.plan.hops:
        return CheckResult(NAME, True, _("no hops"), _("nothing is upgraded, so no new service starts"))
    port = service_port(context)
    address = f"{SERVICE_HOST}:{port}"
    service = context.home.service
    if service.running and service.port == port:
        return CheckResult(NAME, True, address, _("the home's own service holds the port and is stopped before the new one starts"))
    if not port_in_use(SERVICE_HOST, port):
        return CheckResult(NAME, True, address, _("the port is free"))
    holder = port_holder(port)
    detail = (
        _("Port {port} is already in use by {holder}, so the new service could not listen on it.").format(port=port, holder=holder)
        if holder
        else _("Port {port} is already in use by another process, so the new service could not listen on it.").format(port=port)
    )
    return CheckResult(
        NAME, False, _("{address} in use").format(address=address), detail,
        _("Stop the process that holds port {port}, or choose a free port with --port or server.port in the config.").format(port=port),
    )
