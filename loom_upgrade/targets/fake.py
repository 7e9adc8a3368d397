"""An in-memory target for unit tests of the engine and the steps.

It records every call and can be configured to fail any operation, so tests can drive the
engine through failures and rollbacks without processes or virtualenvs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loom_upgrade.errors import TargetError
from loom_upgrade.targets.base import ArtifactSource, CommandResult, PreparedArtifact, ServiceStatus, Target


class FakeTarget(Target):
    kind = "fake"

    def __init__(self, home: Path | str = "/fake-home", *, version: str = "1.0.0", running: bool = True) -> None:
        super().__init__(Path(home))
        self.files: dict[str, bytes] = {}
        self.version = version
        self.running = running
        self.calls: list[tuple[str, Any]] = []
        self.fail_on: set[str] = set()
        self.opened = False

    def _call(self, name: str, argument: Any = None) -> None:
        self.calls.append((name, argument))
        if name in self.fail_on:
            raise TargetError(f"fake target: {name} failed on purpose")

    def open(self) -> None:
        self.opened = True

    def close(self) -> None:
        self.opened = False

    def run(self, argv: list[str], *, env: dict[str, str] | None = None, timeout: float | None = None) -> CommandResult:
        self._call("run", tuple(argv))
        return CommandResult(tuple(argv), 0, "", "")

    def read_file(self, relative: str) -> bytes:
        self._call("read_file", relative)
        try:
            return self.files[relative]
        except KeyError as exc:
            raise TargetError(f"fake target: no file {relative}") from exc

    def write_file(self, relative: str, data: bytes) -> None:
        self._call("write_file", relative)
        self.files[relative] = data

    def service_status(self) -> ServiceStatus:
        self.calls.append(("service_status", None))
        return ServiceStatus(running=self.running, pid=4242 if self.running else None, version=self.version)

    def start_service(self, *, timeout: float = 60.0) -> ServiceStatus:
        self._call("start_service")
        self.running = True
        return self.service_status()

    def stop_service(self, *, timeout: float = 30.0) -> None:
        self._call("stop_service")
        self.running = False

    def health_url(self) -> str:
        return "http://127.0.0.1:1"

    def loom_command(self) -> str:
        return "loom"

    def artifact_version(self) -> str | None:
        return self.version

    def artifact_install(self, version: str, source: ArtifactSource, *, location: str | None = None) -> PreparedArtifact:
        self._call("artifact_install", version)
        return PreparedArtifact(version=version, location="fake://new")

    def artifact_switch(
        self, prepared: PreparedArtifact, *, previous_release: str, journal=None, checkpoint=None, version_before=None
    ) -> dict[str, Any]:
        self._call("artifact_switch", prepared.version)
        record = {"previous_version": self.version, "version_before": self.version}
        if journal is not None:
            journal(record)
        self.version = prepared.version
        return record

    def artifact_restore(self, record: dict[str, Any]) -> None:
        self._call("artifact_restore", record)
        if "previous_version" in record:
            self.version = record["previous_version"]

    def artifact_discard(self, prepared: PreparedArtifact) -> None:
        self._call("artifact_discard", prepared.version)
