"""A private PostgreSQL server for tests, started when the first test that needs it runs.

``postgres_server`` (session scope) runs ``initdb`` and ``pg_ctl`` as the ``postgres``
user on a temporary folder and a free loopback port, with durability off because test
data is thrown away. ``postgres_url`` (function scope) creates a fresh database on that
server for each test and yields its ``postgresql+psycopg://`` URL.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.components import component_missing

PG_BIN_CANDIDATES = ("/usr/lib/postgresql/15/bin", "/usr/local/bin", "/usr/bin")
SUPERUSER = "loom"


@dataclass
class PostgresServer:
    """A running test server: where its binaries are, its port and its data folder."""

    bin_dir: Path
    folder: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def libpq_url(self, database: str = "postgres") -> str:
        """Return the URL in libpq form, for psql, pg_dump and psycopg."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        import psycopg

        name = name or f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.libpq_url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.libpq_url(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def find_pg_bin() -> Path | None:
    """Return the folder holding initdb and pg_ctl, or None when PostgreSQL is not installed."""
    for candidate in PG_BIN_CANDIDATES:
        folder = Path(candidate)
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    # initdb refuses to run as root, so when the tests run as root the server runs as postgres.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def start_server(bin_dir: Path) -> PostgresServer:
    """Initialise and start a throwaway server; raise RuntimeError with its log on failure."""
    folder = Path(tempfile.mkdtemp(prefix="loom-pg-"))
    folder.chmod(0o777)
    data = folder / "data"
    log = folder / "pg.log"
    port = free_port()

    subprocess.run(
        _as_postgres([
            str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8", "-N",
        ]),
        check=True, capture_output=True, text=True,
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    result = subprocess.run(
        _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "start", "-o", options]),
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        detail = log.read_text(errors="replace") if log.exists() else result.stderr
        raise RuntimeError(f"pg_ctl start failed: {detail[-2000:]}")
    return PostgresServer(bin_dir=bin_dir, folder=folder, port=port)


def stop_server(server: PostgresServer) -> None:
    subprocess.run(
        _as_postgres([str(server.bin_dir / "pg_ctl"), "-D", str(server.folder / "data"), "-m", "immediate", "-w", "stop"]),
        capture_output=True, text=True,
    )
    shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server():
    """Start one private PostgreSQL 15 for the test session and stop it at the end."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        component_missing("PostgreSQL", "initdb and pg_ctl were not found; install postgresql-15")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        component_missing("PostgreSQL", "the psycopg package is missing; install loom-narrative[postgres]")
    try:
        server = start_server(bin_dir)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", None) or str(exc)
        component_missing("PostgreSQL", f"the test server did not start: {detail}")
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer):
    """Yield the URL of a new empty database, dropped after the test."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    url = postgres_server.create_database(name)
    yield url
    postgres_server.drop_database(name)
