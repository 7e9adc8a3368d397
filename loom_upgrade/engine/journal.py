"""The run journal: one JSON Lines file per run under ``<state>/journal/<run-id>.jsonl``.

Every record is appended and fsynced before the engine acts on it, so a run killed at any
point (``kill -9``, power loss) can be resumed or rolled back from what the file holds.
Records never contain secrets: callers pass redacted URLs and no tokens.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Step statuses as the journal records them.
STARTED = "started"
DONE = "done"
FAILED = "failed"
SKIPPED = "skipped"
UNDONE = "undone"

# Run outcomes.
OUTCOME_DONE = "done"
OUTCOME_ROLLED_BACK = "rolled-back"
OUTCOME_ROLLBACK_FAILED = "rollback-failed"
OUTCOME_PREFLIGHT_FAILED = "preflight-failed"
OUTCOME_NOTHING_TO_DO = "nothing-to-do"
OUTCOME_DRY_RUN = "dry-run"
# A manual ``rollback --backup``: recorded as a run of its own, with no steps.
OUTCOME_RESTORED = "restored"


def new_run_id() -> str:
    """Return a run id that sorts by start time: ``20261204T203101Z-1a2b3c``."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


def journal_dir(state_dir: Path) -> Path:
    return state_dir / "journal"


class Journal:
    """Append-only writer of one run's records."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    @classmethod
    def create(cls, state_dir: Path, run_id: str) -> Journal:
        return cls(journal_dir(state_dir) / f"{run_id}.jsonl")

    def append(self, record_type: str, **fields: Any) -> dict[str, Any]:
        record = {"type": record_type, "time": time.time(), **fields}
        line = json.dumps(record, ensure_ascii=False, default=str, sort_keys=True) + "\n"
        # O_APPEND keeps records whole; fsync of the file (and of the folder on creation)
        # makes each record durable before the engine acts on it.
        created = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            _fsync_dir(self.path.parent)
        return record


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class StepRecord:
    id: str
    kind: str
    status: str
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    started_at: float | None = None
    finished_at: float | None = None


@dataclass
class RunState:
    """What a journal file says about one run, replayed record by record."""

    run_id: str
    path: Path
    command: str = ""
    home: str = ""
    from_release: str | None = None
    to_release: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    outcome: str | None = None
    steps: dict[str, StepRecord] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    backup: dict[str, Any] | None = None
    rollback: dict[str, Any] | None = None
    host: str = ""

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    def status_of(self, step_id: str) -> str | None:
        record = self.steps.get(step_id)
        return record.status if record else None


def read_run(path: Path) -> RunState:
    """Replay the journal at ``path``; a torn last line (crash mid-write) is ignored."""
    state = RunState(run_id=path.stem, path=path)
    for record in _records(path):
        _apply(state, record)
    return state


def _records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.endswith("\n"):
                return  # the write of this record never completed
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                return


def _apply(state: RunState, record: dict[str, Any]) -> None:
    kind = record.get("type")
    if kind == "run-start":
        state.command = record.get("command", "")
        state.home = record.get("home", "")
        state.from_release = record.get("from_release")
        state.to_release = record.get("to_release")
        state.started_at = record.get("time")
        state.order = list(record.get("steps", []))
        state.context = dict(record.get("context", {}))
        state.host = record.get("host", "")
    elif kind == "step":
        step_id = record["id"]
        previous = state.steps.get(step_id)
        step = StepRecord(id=step_id, kind=record.get("kind", ""), status=record["status"])
        if previous is not None:
            step.data = dict(previous.data)
            step.started_at = previous.started_at
        step.data.update(record.get("data") or {})
        step.error = record.get("error")
        if record["status"] == STARTED:
            step.started_at = record.get("time")
        else:
            step.finished_at = record.get("time")
        state.steps[step_id] = step
    elif kind == "backup":
        state.backup = {key: value for key, value in record.items() if key not in ("type", "time")}
    elif kind == "context":
        state.context.update(record.get("values", {}))
    elif kind == "rollback":
        state.rollback = {key: value for key, value in record.items() if key not in ("type",)}
    elif kind == "run-end":
        state.outcome = record.get("outcome")
        state.finished_at = record.get("time")


def list_runs(state_dir: Path) -> list[RunState]:
    """Return every run of this deployment, oldest first."""
    folder = journal_dir(state_dir)
    if not folder.is_dir():
        return []
    return [read_run(path) for path in sorted(folder.glob("*.jsonl"))]


def last_unfinished_run(state_dir: Path) -> RunState | None:
    for run in reversed(list_runs(state_dir)):
        if not run.finished:
            return run
    return None


def hostname() -> str:
    return socket.gethostname()
