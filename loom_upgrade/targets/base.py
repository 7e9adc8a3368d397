"""The target protocol: everything the steps need from the place where LOOM runs.

A target is a small abstract class used as a context manager. The engine and the steps
call only these methods, so they never branch on the kind of target. Optional features
raise ``NotImplementedError`` with a sentence saying what is missing.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CommandResult:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class ServiceStatus:
    running: bool
    pid: int | None = None
    version: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class ArtifactSource:
    """The source of a new release's code: a wheelhouse folder or a package index."""

    wheelhouse: Path | None = None
    find_links: tuple[str, ...] = ()
    index_url: str | None = None

    @property
    def configured(self) -> bool:
        return self.wheelhouse is not None or bool(self.find_links) or self.index_url is not None


@dataclass
class PreparedArtifact:
    """A new release's code installed beside the running one, ready to switch to."""

    version: str
    location: str
    details: dict[str, Any] = field(default_factory=dict)


class Target(abc.ABC):
    """One deployment of LOOM, as loom-upgrade operates it."""

    kind = "abstract"

    def __init__(self, home: Path) -> None:
        self.home = Path(home)

    # Lifecycle -------------------------------------------------------------------------

    def open(self) -> None:
        """Connect to the target; the default needs no connection."""

    def close(self) -> None:
        """Release what ``open`` acquired."""

    def __enter__(self) -> Target:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Commands and files ----------------------------------------------------------------

    @abc.abstractmethod
    def run(self, argv: list[str], *, env: dict[str, str] | None = None, timeout: float | None = None) -> CommandResult:
        """Run a command in the deployment's environment and return its result."""

    @abc.abstractmethod
    def read_file(self, relative: str) -> bytes:
        """Return the bytes of a file of the home."""

    @abc.abstractmethod
    def write_file(self, relative: str, data: bytes) -> None:
        """Replace a file of the home atomically."""

    # Service ---------------------------------------------------------------------------

    @abc.abstractmethod
    def service_status(self) -> ServiceStatus:
        """Return whether the LOOM service runs, and its pid and version when known."""

    @abc.abstractmethod
    def start_service(self, *, timeout: float = 60.0) -> ServiceStatus:
        """Start the service and wait until its health URL responds."""

    @abc.abstractmethod
    def stop_service(self, *, timeout: float = 30.0) -> None:
        """Stop the service; a service that is not running is left as it is."""

    @abc.abstractmethod
    def health_url(self) -> str:
        """Return the base URL (scheme, host, port) of the service's HTTP listener."""

    def loom_command(self) -> str:
        """Return the ``loom`` executable the service runs, for commands run on this host."""
        raise NotImplementedError(f"The {self.kind} target cannot run loom commands from this host.")

    # Artifact --------------------------------------------------------------------------

    def artifact_version(self) -> str | None:
        raise NotImplementedError(f"The {self.kind} target cannot report the installed LOOM version.")

    def artifact_install(self, version: str, source: ArtifactSource, *, location: str | None = None) -> PreparedArtifact:
        """Install ``version`` beside the running code (at ``location`` when given)."""
        raise NotImplementedError(f"The {self.kind} target cannot install a LOOM release.")

    def artifact_switch(
        self,
        prepared: PreparedArtifact,
        *,
        previous_release: str,
        journal: Callable[[dict[str, Any]], None] | None = None,
        checkpoint: Callable[[str], None] | None = None,
        version_before: tuple[str | None] | None = None,
    ) -> dict[str, Any]:
        """Make the prepared artifact the one the service runs; return what undo needs.

        ``journal`` receives that record before anything changes, so that undo after a
        kill at any point restores exactly the previous state. ``checkpoint(name)`` is
        called between the switch's own actions (a crash-testing hook). ``version_before``
        is ``(artifact_version(),)`` read earlier, outside the downtime; without it the
        switch reads the version itself.
        """
        raise NotImplementedError(f"The {self.kind} target cannot switch LOOM releases.")

    def artifact_restore(self, record: dict[str, Any]) -> None:
        """Put back the artifact that ``artifact_switch`` replaced, unchanged."""
        raise NotImplementedError(f"The {self.kind} target cannot restore a previous LOOM release.")

    def artifact_discard(self, prepared: PreparedArtifact) -> None:
        """Remove a prepared artifact that was never switched to."""
        raise NotImplementedError(f"The {self.kind} target cannot discard a prepared LOOM release.")

    def artifact_cleanup(self) -> None:
        """Remove whatever a killed or rolled-back run left in the staging area; nothing by default."""
