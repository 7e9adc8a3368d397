"""Describing a failed database connection: which server, and why, without the password.

The driver's text (psycopg 3, libpq) names the cause in English. The usual causes are
recognised by their libpq wording and reported in the user's language with a fix. Other
causes are shown as the driver's first line, with any password removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from loom_runtime.i18n import _


@dataclass(frozen=True)
class ConnectionFailure:
    message: str
    fix: str


# Wording of each cause in libpq (PostgreSQL 15) and psycopg 3 messages, matched in lower case.
_REFUSED = ("connection refused",)
_TIMEOUT = ("timeout expired", "timed out")
_AUTHENTICATION = ("password authentication failed", "authentication failed", "no password supplied",
                   "no pg_hba.conf entry")
_UNKNOWN_ROLE = ("role \"", "\" does not exist")
_UNKNOWN_HOST = ("could not translate host name", "name or service not known", "nodename nor servname")
_UNKNOWN_DATABASE = ("database \"", "\" does not exist")


def _driver_text(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    return str(original)


def _first_line(text: str, password: str | None) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    if password:
        line = line.replace(password, "***")
    return line


def _has(text: str, *fragments: str) -> bool:
    return all(fragment in text for fragment in fragments)


def describe_connection_failure(exc: BaseException, url: str) -> ConnectionFailure:
    """Return the message and fix for a failed connection to the database at ``url``.

    The message names the host, the port and the cause (connection refused, timed out,
    authentication failed, unknown host, role or database). The password is never included.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        parsed = None
    host = (parsed.host if parsed is not None else None) or "localhost"
    port = (parsed.port if parsed is not None else None) or 5432
    user = (parsed.username if parsed is not None else None) or "-"
    database = (parsed.database if parsed is not None else None) or "-"
    password = parsed.password if parsed is not None else None
    text = _driver_text(exc)
    lowered = text.lower()
    where = f"{host}:{port}"
    setting = _("storage.url in the config (or LOOM_STORAGE_URL)")

    if any(fragment in lowered for fragment in _REFUSED):
        cause = _("connection refused")
        fix = _("start PostgreSQL on {where}, or correct the host and port of {setting}.").format(where=where, setting=setting)
    elif any(fragment in lowered for fragment in _TIMEOUT):
        cause = _("the connection timed out")
        fix = _("check that {where} is reachable from this machine (server running, firewall open), or correct {setting}.").format(
            where=where, setting=setting)
    elif any(fragment in lowered for fragment in _AUTHENTICATION) or _has(lowered, *_UNKNOWN_ROLE):
        cause = _("authentication failed for the user {user}").format(user=user)
        fix = _("correct the user name and password in {setting}, or allow this user in the server's pg_hba.conf.").format(setting=setting)
    elif any(fragment in lowered for fragment in _UNKNOWN_HOST):
        cause = _("the host name {host} is unknown").format(host=host)
        fix = _("correct the host name in {setting}.").format(setting=setting)
    elif _has(lowered, *_UNKNOWN_DATABASE):
        cause = _("the database {database} does not exist").format(database=database)
        fix = _("create the database {database} on the server (createdb), or correct the database name in {setting}.").format(
            database=database, setting=setting)
    else:
        cause = _first_line(text, password) or type(exc).__name__
        fix = _("check {setting} and that the database server is running and reachable.").format(setting=setting)
    message = _("Cannot connect to the PostgreSQL server at {where}: {cause}.").format(where=where, cause=cause)
    return ConnectionFailure(message, fix)
