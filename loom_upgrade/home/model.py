"""The state of a LOOM home as detection reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TableStats:
    rows: int
    bytes: int | None  # None when the database cannot tell (SQLite without the dbstat table)


@dataclass(frozen=True)
class ServiceState:
    running: bool
    pid: int | None = None
    host: str | None = None
    port: int | None = None

    @property
    def base_url(self) -> str | None:
        if not self.running or self.port is None:
            return None
        return f"http://{self.host or '127.0.0.1'}:{self.port}"


@dataclass(frozen=True)
class HomeState:
    """The release, database and file fingerprints of one home.

    ``db_url`` may hold a password and never leaves the process; ``db_url_redacted``
    is the form to show.
    """

    home: Path
    release: str | None
    release_sources: dict[str, str | None]
    db_kind: str
    db_url: str = field(repr=False)
    db_url_redacted: str
    db_exists: bool
    db_revision: str | None
    config_path: Path
    config_sha256: str | None
    env_sha256: str | None
    config: dict[str, Any] = field(repr=False, default_factory=dict)
    config_format: str | None = None
    service: ServiceState = field(default_factory=lambda: ServiceState(False))
    tables: dict[str, TableStats] = field(default_factory=dict)
    db_bytes: int = 0
    files_bytes: int = 0
    db_error: str | None = None  # why the database could not be read, when it could not
    inconsistencies: tuple[str, ...] = ()

    @property
    def state_dir(self) -> Path:
        from loom_upgrade.state import StateFolder

        return StateFolder.of(self.home).root

    @property
    def total_rows(self) -> int:
        return sum(stats.rows for stats in self.tables.values())

    def fingerprint(self) -> dict[str, str | None]:
        """Return the inputs a saved plan records, so that a changed home is noticed."""
        return {
            "release": self.release,
            "db_revision": self.db_revision,
            "config_sha256": self.config_sha256,
            "env_sha256": self.env_sha256,
        }
