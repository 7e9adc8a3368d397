"""Events the engine emits while it runs; renderers (human, JSON, JSONL, CI) subscribe.

The engine never prints. Every event is a plain dictionary-like record, so the JSONL
renderer can write it as is, and it never carries a secret.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

log = logging.getLogger(__name__)

# Event kinds, in the order a run emits them.
RUN_STARTED = "run-started"
STEP_STARTED = "step-started"
STEP_PROGRESS = "step-progress"
STEP_FINISHED = "step-finished"
STEP_SKIPPED = "step-skipped"
STEP_FAILED = "step-failed"
ROLLBACK_STARTED = "rollback-started"
ROLLBACK_STEP = "rollback-step"
ROLLBACK_FINISHED = "rollback-finished"
NOTICE = "notice"
RUN_FINISHED = "run-finished"


@dataclass
class Event:
    kind: str
    run_id: str
    step_id: str | None = None
    step_kind: str | None = None
    message: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    time: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Subscriber = Callable[[Event], None]


class EventBus:
    """Deliver each event to every subscriber; a failing subscriber never stops a run."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self.history: list[Event] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def emit(self, event: Event) -> None:
        self.history.append(event)
        for subscriber in self._subscribers:
            try:
                subscriber(event)
            except Exception:  # a display error must not break an upgrade half way
                log.exception("event subscriber %r failed on %s", subscriber, event.kind)
