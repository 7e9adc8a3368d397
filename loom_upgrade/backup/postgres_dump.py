"""PostgreSQL backups with ``pg_dump -Fc`` and restores with ``pg_restore``.

The password is handed to the client tools through ``PGPASSWORD`` in their environment,
never on the command line (where ``ps`` shows it) and never in a log line. The other
connection settings are passed as ``--host``/``--port``/``--username``/``--dbname``.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from loom_upgrade.errors import BackupError
from loom_upgrade.i18n import _

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2
CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True)
class Connection:
    """libpq settings of a database URL, split into arguments and environment."""

    args: list[str]
    env: dict[str, str]
    database: str


def connection_of(url: str | URL) -> Connection:
    parsed = make_url(url)
    args: list[str] = []
    env: dict[str, str] = {}
    host = parsed.host or parsed.query.get("host")
    if isinstance(host, tuple):
        host = host[0]
    if host:
        args += ["--host", str(host)]
    if parsed.port:
        args += ["--port", str(parsed.port)]
    if parsed.username:
        args += ["--username", parsed.username]
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    env["PGCONNECT_TIMEOUT"] = "10"
    for name, value in parsed.query.items():
        variable = _QUERY_ENV.get(name)
        if variable:
            env[variable] = str(value[0] if isinstance(value, tuple) else value)
    return Connection(args=args, env=env, database=parsed.database or "")


# libpq settings a URL may carry as query parameters, and the variables the client tools
# read them from (PostgreSQL 15 documentation, "Environment Variables").
_QUERY_ENV = {
    "sslmode": "PGSSLMODE",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslrootcert": "PGSSLROOTCERT",
    "application_name": "PGAPPNAME",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


def find_tool(name: str) -> str:
    """Return the path of ``pg_dump`` or ``pg_restore``, preferring the newest installed major version.

    A ``pg_dump`` older than the server refuses to dump, so the versioned folders under
    ``/usr/lib/postgresql`` are searched before ``PATH``.
    """
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: int(Path(path).parent.parent.name) if Path(path).parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1]
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(
        _("{tool} was not found, so the PostgreSQL database cannot be backed up or restored.").format(tool=name),
        fix=_("Install the PostgreSQL client tools (Debian: `apt-get install postgresql-client`) of the server's major version or newer."),
    )


def _run(command: list[str], conn: Connection, what: str, *, output: Path | None = None,
         progress: Callable[[int], None] | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, **conn.env}
    log.info("Running %s", " ".join(command))
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    while True:
        try:
            stdout, stderr = process.communicate(timeout=POLL_SECONDS)
            break
        except subprocess.TimeoutExpired:
            if progress is not None and output is not None and output.exists():
                progress(output.stat().st_size)
    if process.returncode != 0:
        message = stderr.decode("utf-8", "replace").strip()
        if "PGPASSWORD" in conn.env:
            message = message.replace(conn.env["PGPASSWORD"], "***")
        raise BackupError(
            _("{what} failed (exit code {code}): {message}").format(what=what, code=process.returncode, message=message),
            fix=_("Check that the database server is running and that the URL's user may read every table, then run the command again."),
        )
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def dump(url: str | URL, target: Path, *, snapshot: str | None = None,
         progress: Callable[[int], None] | None = None) -> None:
    """Write a custom-format dump of the database at ``url`` to ``target`` (``pg_dump -Fc``).

    ``snapshot`` is an exported snapshot id (``pg_export_snapshot()``) to dump from, so that
    the dump and statistics read in the exporting transaction see the same rows.
    """
    conn = connection_of(url)
    command = [find_tool("pg_dump"), "--format=custom", "--no-password", "--file", str(target), *conn.args]
    if snapshot:
        command += ["--snapshot", snapshot]
    command += ["--dbname", conn.database]
    _run(command, conn, "pg_dump", output=target, progress=progress)


def list_dump(path: Path) -> list[str]:
    """Return the table of contents of a custom-format dump; raise ``BackupError`` if unreadable."""
    command = [find_tool("pg_restore"), "--list", str(path)]
    completed = subprocess.run(command, capture_output=True)
    if completed.returncode != 0:
        raise BackupError(
            _("pg_restore --list cannot read the dump {path}: {message}").format(
                path=path, message=completed.stderr.decode("utf-8", "replace").strip()
            ),
            path=path,
            fix=_("Use another backup (`loom-upgrade backup list`) or create a new one with `loom-upgrade backup create`."),
        )
    return completed.stdout.decode("utf-8", "replace").splitlines()


def restore(url: str | URL, path: Path) -> None:
    """Replace the contents of the database at ``url`` with the dump at ``path``, atomically.

    ``pg_restore`` turns the dump into SQL, which is streamed into ``psql`` after
    ``BEGIN`` and a reset of the public schema, so tables created after the backup (by a
    newer release) do not survive. ``COMMIT`` is sent only when ``pg_restore`` finished
    cleanly, and ``psql`` stops at the first error, so a failure leaves the database as it was.
    """
    conn = connection_of(url)
    env = {**os.environ, **conn.env}
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        producer = subprocess.Popen(
            [find_tool("pg_restore"), "--no-owner", "--file", "-", str(path)],
            stdout=subprocess.PIPE, stderr=restore_errors,
        )
        consumer = subprocess.Popen(
            [find_tool("psql"), "--no-psqlrc", "--quiet", "--no-password", "--set", "ON_ERROR_STOP=1",
             *conn.args, "--dbname", conn.database],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_errors, env=env,
        )
        log.info("Restoring %s into database %s through pg_restore | psql", path, conn.database)
        produced = _relay(producer, consumer)
        consumed = consumer.wait()
        if produced != 0 or consumed != 0:
            restore_errors.seek(0)
            psql_errors.seek(0)
            message = (restore_errors.read() + psql_errors.read()).decode("utf-8", "replace").strip()
            if "PGPASSWORD" in conn.env:
                message = message.replace(conn.env["PGPASSWORD"], "***")
            raise BackupError(
                _("Restoring the PostgreSQL dump {path} failed, so the database was left unchanged: {message}").format(
                    path=path, message=message[-2000:]
                ),
                path=path,
                fix=_("Check that the database server is running and that the URL's user owns the database, then run the restore again."),
            )


def _relay(producer: subprocess.Popen, consumer: subprocess.Popen) -> int:
    """Copy the producer's SQL into the consumer inside one transaction; return the producer's exit code."""
    assert producer.stdout is not None and consumer.stdin is not None
    try:
        consumer.stdin.write(b"BEGIN;\nDROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n")
        while chunk := producer.stdout.read(CHUNK_SIZE):
            consumer.stdin.write(chunk)
    except BrokenPipeError:
        # psql stopped at an error; its transaction is rolled back when it exits.
        producer.kill()
    finally:
        producer.stdout.close()
    code = producer.wait()
    try:
        consumer.stdin.write(b"COMMIT;\n" if code == 0 else b"ROLLBACK;\n")
        consumer.stdin.close()
    except BrokenPipeError:
        pass
    return code


def driver_message(exc: Exception) -> str:
    """Return the first line of the driver's error, which names the problem without the URL."""
    original = getattr(exc, "orig", None) or exc
    return str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
