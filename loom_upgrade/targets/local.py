"""The local target: a LOOM home on this host, run by the built-in supervisor.

The service runs ``loom serve`` from the home's ``venv/bin/loom`` (else ``loom`` on PATH)
on 127.0.0.1 and the port of the home's ``server.port`` (overridable). The artifact is
the home's ``venv/``. A new release is installed into ``<state>/staging/venv``, so that
nothing in the home changes before the backup, and is renamed to ``venv/`` at the switch.
The old one is kept in the state folder as ``venv.previous-<release>`` for rollback.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any

import httpx
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from loom_upgrade.errors import TargetError
from loom_upgrade.i18n import _
from loom_upgrade.state import StateFolder
from loom_upgrade.targets import supervisor, venvs
from loom_upgrade.targets.base import ArtifactSource, CommandResult, PreparedArtifact, ServiceStatus, Target

log = logging.getLogger(__name__)

DEFAULT_PORT = 8000
STAGING_DIRNAME = "staging"
LEGACY_STAGING_DIRNAME = "venv.new"
SERVICE_HOST = "127.0.0.1"


class LocalTarget(Target):
    kind = "local"

    def __init__(self, home: Path, *, port: int | None = None, start_timeout: float = 60.0) -> None:
        super().__init__(Path(home).resolve())
        self.state = StateFolder.of(self.home)
        self._port = port
        self.start_timeout = start_timeout

    # Paths -----------------------------------------------------------------------------

    @property
    def venv(self) -> Path:
        return self.home / "venv"

    @property
    def venv_new(self) -> Path:
        """Where the new release is installed: in the state folder, never in the home itself."""
        return self.state.root / STAGING_DIRNAME / "venv"

    def previous_venv(self, release: str) -> Path:
        return self.state.root / f"venv.previous-{release}"

    # Commands and files ----------------------------------------------------------------

    def run(self, argv: list[str], *, env: dict[str, str] | None = None, timeout: float | None = None) -> CommandResult:
        """Run ``argv`` in the home; a leading ``loom`` runs the home's own ``loom``."""
        if argv and argv[0] == "loom":
            argv = [self.loom_command(), *argv[1:]]
        environment = dict(os.environ)
        environment["LOOM_HOME"] = str(self.home)
        environment.update(env or {})
        try:
            completed = subprocess.run(
                argv, cwd=self.home, env=environment, capture_output=True, text=True, timeout=timeout, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TargetError(_("Running {command} failed: {reason}").format(command=argv[0], reason=exc)) from exc
        return CommandResult(tuple(argv), completed.returncode, completed.stdout, completed.stderr)

    def read_file(self, relative: str) -> bytes:
        try:
            return (self.home / relative).read_bytes()
        except OSError as exc:
            raise TargetError(_("Cannot read {path}: {reason}").format(path=self.home / relative, reason=exc)) from exc

    def write_file(self, relative: str, data: bytes) -> None:
        path = self.home / relative
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        os.replace(partial, path)

    # Service ---------------------------------------------------------------------------

    def port(self) -> int:
        if self._port is not None:
            return self._port
        config_path = self.home / "config" / "default_config.yaml"
        try:
            config = YAML(typ="safe").load(config_path.read_text(encoding="utf-8")) or {}
            return int((config.get("server") or {}).get("port") or DEFAULT_PORT)
        except (OSError, YAMLError, ValueError, TypeError, AttributeError) as exc:
            log.warning("cannot read server.port from %s (%s); using %s", config_path, exc, DEFAULT_PORT)
            return DEFAULT_PORT

    def health_url(self) -> str:
        running = supervisor.running_service(self.state)
        if running is not None and running.port:
            return f"http://{running.host}:{running.port}"
        return f"http://{SERVICE_HOST}:{self.port()}"

    def service_status(self) -> ServiceStatus:
        running = supervisor.running_service(self.state)
        if running is None:
            return ServiceStatus(running=False, detail=_("not running"))
        version = None
        try:
            response = httpx.get(f"http://{running.host}:{running.port}/health", timeout=2.0)
            version = response.json().get("version") if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            pass
        return ServiceStatus(running=True, pid=running.pid, version=version)

    def start_service(self, *, timeout: float | None = None) -> ServiceStatus:
        executable = self.loom_command()
        supervisor.start(
            self.home, executable, host=SERVICE_HOST, port=self.port(), timeout=timeout or self.start_timeout
        )
        return self.service_status()

    def loom_command(self) -> str:
        executable = venvs.loom_executable(self.venv if self.venv.exists() else None)
        if executable is None:
            raise TargetError(
                _("No loom command found: the home has no venv/bin/loom and none is on PATH."),
                fix=_("Install LOOM into {venv} or put loom on PATH.").format(venv=self.venv),
            )
        return executable

    def stop_service(self, *, timeout: float = 30.0) -> None:
        supervisor.stop(self.home, timeout=timeout)

    # Artifact --------------------------------------------------------------------------

    def artifact_version(self) -> str | None:
        return venvs.loom_version(self.venv if self.venv.exists() else None, home=self.home)

    def artifact_install(self, version: str, source: ArtifactSource, *, location: str | None = None) -> PreparedArtifact:
        if not source.configured:
            raise TargetError(
                _("No source for LOOM {version} is configured.").format(version=version),
                fix=_("Pass --wheelhouse DIR, --find-links URL or --index-url URL, or --no-artifact."),
            )
        began = time.monotonic()
        folder = Path(location) if location else self.venv_new
        folder.parent.mkdir(parents=True, exist_ok=True)
        venvs.create_venv(folder, venvs.base_python(self.venv), version, source)
        installed = venvs.loom_version(folder, home=self.home)
        if installed != version:
            shutil.rmtree(folder, ignore_errors=True)
            raise TargetError(
                _("The new virtualenv reports LOOM {found}, not {version}.").format(found=installed, version=version),
                fix=_("Check that the wheelhouse or index holds loom-narrative {version}.").format(version=version),
            )
        if location is None:
            # Make the scripts name their final path before the rename (see venvs).
            venvs.retarget_scripts(folder, folder, self.venv)
        return PreparedArtifact(
            version=version, location=str(folder), details={"seconds": round(time.monotonic() - began, 3)}
        )

    def artifact_switch(
        self,
        prepared: PreparedArtifact,
        *,
        previous_release: str,
        journal: Callable[[dict[str, Any]], None] | None = None,
        checkpoint: Callable[[str], None] | None = None,
        version_before: tuple[str | None] | None = None,
    ) -> dict[str, Any]:
        previous = self.previous_venv(previous_release)
        had_venv = self.venv.exists()
        record = {
            "had_venv": had_venv,
            "previous": str(previous),
            "version": prepared.version,
            "staged": prepared.location,
            # What the home ran before, so that a rollback can check it runs it again.
            "version_before": version_before[0] if version_before is not None else self.artifact_version(),
        }
        if had_venv and previous.exists():
            shutil.rmtree(previous)  # kept from an earlier upgrade from the same release
        # Journaled before the first rename: a kill at any point of the switch leaves a
        # record that says exactly what the home had, so undo restores that and no more.
        if journal is not None:
            journal(record)
        if had_venv:
            self.state.ensure()
            os.rename(self.venv, previous)
            if checkpoint is not None:
                checkpoint("old-moved")
        os.rename(prepared.location, self.venv)
        if checkpoint is not None:
            checkpoint("new-moved")
        found = venvs.loom_version(self.venv, home=self.home)
        if found != prepared.version:
            raise TargetError(
                _("After the switch, {venv}/bin/loom reports {found}, not {version}.").format(
                    venv=self.venv, found=found, version=prepared.version
                )
            )
        return record

    def artifact_restore(self, record: dict[str, Any]) -> None:
        """Put the home's code back exactly as the record says it was: the old venv, or none."""
        if record.get("interrupted"):
            restored = self._interrupted_switch(record)
            if restored is None:
                return
            record = restored
        previous = Path(record["previous"])
        if record.get("had_venv"):
            self._put_back(previous)
        elif self.venv.exists():
            # The home had no venv before the switch, so any venv now is the new release's.
            self._discard_folder(self.venv, record.get("version", "new"))
            log.info("removed %s: the home had no venv before the upgrade", self.venv)

    def _put_back(self, previous: Path) -> None:
        if not previous.exists():
            if self.venv.exists():
                return  # never moved aside, or already restored by an earlier, interrupted rollback
            raise TargetError(
                _("Neither {venv} nor the kept {previous} exists; the old release cannot be restored.").format(
                    venv=self.venv, previous=previous
                )
            )
        if self.venv.exists():
            self._discard_folder(self.venv, "new")
        os.rename(previous, self.venv)

    def _discard_folder(self, folder: Path, label: str) -> None:
        # Renamed first so that a kill during the slow delete never leaves a half venv at venv/.
        discarded = self.state.root / f"venv.failed-{label}"
        if discarded.exists():
            shutil.rmtree(discarded)
        self.state.ensure()
        os.rename(folder, discarded)
        shutil.rmtree(discarded, ignore_errors=True)

    def _interrupted_switch(self, record: dict[str, Any]) -> dict[str, Any] | None:
        """Turn the facts of a switch killed before its record was journaled into a normal record.

        Runs journal the record before the first rename, so only journals of earlier
        versions can leave the old venv moved aside without one.
        """
        prepared = record.get("prepared")
        if prepared and Path(prepared) != self.venv:
            shutil.rmtree(prepared, ignore_errors=True)  # prepared, never switched to
        previous = self.previous_venv(record["previous_release"])
        if previous.exists() and not self.venv.exists():
            return {"had_venv": True, "previous": str(previous), "version": record["version"]}
        return None  # the old venv was never moved: nothing to put back

    def artifact_cleanup(self) -> None:
        """Remove the staging folder a killed or rolled-back run left, since the home never uses it."""
        # <home>/venv.new is where earlier versions of loom-upgrade installed the new release.
        for leftover in (self.state.root / STAGING_DIRNAME, self.home / LEGACY_STAGING_DIRNAME):
            if leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)
                log.info("removed the staging folder %s", leftover)

    def artifact_discard(self, prepared: PreparedArtifact) -> None:
        shutil.rmtree(prepared.location, ignore_errors=True)
