"""``loom serve``: the fix for a failed bind matches its cause."""

from __future__ import annotations

import socket

from loom_runtime.cli import serve_cmd

IN_USE_FIX = "Fix: stop the program that uses this address, or choose another with --host/--port or server.host/server.port."


def test_unknown_host_name(home, loom, monkeypatch):
    # The resolver's answer is simulated: a real lookup of a bad name would query the DNS server.
    def unknown(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(serve_cmd.socket, "getaddrinfo", unknown)
    outcome = loom("--home", home, "serve", "--host", "0.0.0.0x", "--port", "8123")
    assert outcome.code == 1
    assert outcome.err.splitlines() == [
        "Error: The service cannot listen on 0.0.0.0x:8123: the host name 0.0.0.0x is unknown (Name or service not known).",
        "Fix: correct --host or server.host: use an IP address of this machine, such as 127.0.0.1, "
        "or a host name that resolves to one.",
    ]


def test_address_not_on_machine(home, loom):
    # 192.0.2.1 is reserved for documentation (RFC 5737), so no interface has it; bind sends nothing.
    outcome = loom("--home", home, "serve", "--host", "192.0.2.1", "--port", "8123")
    assert outcome.code == 1
    assert outcome.err.splitlines() == [
        "Error: The service cannot listen on 192.0.2.1:8123: Cannot assign requested address.",
        "Fix: use an address that belongs to this machine (see `ip addr`), such as 127.0.0.1, in --host or server.host.",
    ]


def test_address_in_use(home, loom):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        outcome = loom("--home", home, "serve", "--host", "127.0.0.1", "--port", str(port))
    assert outcome.code == 1
    assert outcome.err.splitlines() == [f"Error: The service cannot listen on 127.0.0.1:{port}: Address already in use.", IN_USE_FIX]
