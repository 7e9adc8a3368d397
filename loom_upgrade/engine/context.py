"""The state one run shares between the engine and its steps."""

from __future__ import annotations

import logging
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loom_upgrade.engine import events
from loom_upgrade.engine.events import Event, EventBus
from loom_upgrade.engine.journal import Journal
from loom_upgrade.steps.base import Hop
from loom_upgrade.targets.base import ArtifactSource, Target

log = logging.getLogger(__name__)

# Testing hook: ``LOOM_UPGRADE_CRASH_AT=<step-id>:<point>`` makes the process kill itself
# with SIGKILL at that point of that step, so tests can check resume and rollback after a
# real crash. Points: ``before`` (journaled as started, nothing done), ``middle`` (where
# the step says it is half done) and ``after`` (work done, not yet journaled as done).
CRASH_ENV = "LOOM_UPGRADE_CRASH_AT"


@dataclass
class ApplyOptions:
    dry_run: bool = False
    fail_at: str | None = None
    no_artifact: bool = False
    artifact_source: ArtifactSource = field(default_factory=ArtifactSource)
    skip_checks: tuple[str, ...] = ()
    drop_stale_batch_tables: bool = False
    port: int | None = None
    discard_writes: bool = False


@dataclass
class RunContext:
    home: Path
    state_dir: Path
    target: Target
    run_id: str
    journal: Journal
    bus: EventBus
    from_release: str
    to_release: str
    newest_release: str
    hops: list[Hop] = field(default_factory=list)
    options: ApplyOptions = field(default_factory=ApplyOptions)
    # Facts steps learn and later steps (or a resumed run, or a rollback) need, such as
    # whether the service was running and which backup was made. Journaled on change.
    values: dict[str, Any] = field(default_factory=dict)
    current_step: str | None = None
    # The release catalog (``loom_upgrade.catalog.Catalog``); None in engine unit tests.
    catalog: Any = None
    # Set once the backup has been restored during this process's rollback, so that the
    # steps sharing that restore run it once.
    restored: bool = False
    # The planner's ``Plan`` for preflight; None when resuming from a journal.
    plan: Any = None

    def edge_of(self, hop: Hop) -> Any:
        """Return the catalog edge a hop follows."""
        for edge in self.catalog.edges:
            if str(edge.source) == hop.from_release and str(edge.target) == hop.to_release and edge.path == hop.path:
                return edge
        raise LookupError(f"the catalog has no edge {hop.from_release} -> {hop.to_release} ({hop.path})")

    def release(self, version: str) -> Any:
        return self.catalog.release(version)

    @property
    def run_dir(self) -> Path:
        return self.state_dir / "runs" / self.run_id

    @property
    def reaches_newest(self) -> bool:
        return self.to_release == self.newest_release

    def remember(self, **values: Any) -> None:
        """Store facts for later steps and journal them so a resumed run finds them."""
        self.values.update(values)
        self.journal.append("context", values=values)

    def emit(self, event_kind: str, message: str | None = None, *, step_kind: str | None = None, **data: Any) -> None:
        self.bus.emit(
            Event(
                kind=event_kind,
                run_id=self.run_id,
                step_id=self.current_step,
                step_kind=step_kind,
                message=message,
                data=data,
            )
        )

    def progress(self, done: int, total: int | None, message: str = "") -> None:
        self.emit(events.STEP_PROGRESS, message, done=done, total=total)

    def notice(self, message: str) -> None:
        self.emit(events.NOTICE, message)

    def crash_point(self, point: str) -> None:
        """Kill this process with SIGKILL when the testing hook names this step and point."""
        wanted = os.environ.get(CRASH_ENV)
        if not wanted or self.current_step is None:
            return
        step_id, _, wanted_point = wanted.rpartition(":")
        if step_id == self.current_step and wanted_point == point:
            log.warning("crashing on purpose at %s:%s (%s is set)", step_id, point, CRASH_ENV)
            os.kill(os.getpid(), signal.SIGKILL)
