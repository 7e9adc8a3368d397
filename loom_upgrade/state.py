"""Layout of loom-upgrade's state folder, ``<home>/.loom-upgrade/``.

Every area reads and writes its files through ``StateFolder`` so that the names below are
the single contract between them:

| path                | written by            | contains                                          |
| ------------------- | --------------------- | ------------------------------------------------- |
| ``plan.key``        | planner               | the HMAC key that signs saved plans (0600)        |
| ``lock``            | engine                | the lock naming the live run's holder             |
| ``journal/``        | engine                | one journal per run, every step's status          |
| ``history.jsonl``   | engine                | one line per finished run                         |
| ``backups/``        | backup                | verified backups, readable by their owner only    |
| ``service.pid``     | engine (supervisor)   | the PID of the local LOOM service                 |
| ``service.log``     | engine (supervisor)   | its standard output and error                     |
| ``service.json``    | engine (supervisor)   | ``{"host": ..., "port": ...}`` it listens on      |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

STATE_DIRNAME = ".loom-upgrade"


@dataclass(frozen=True)
class StateFolder:
    root: Path

    @classmethod
    def of(cls, home: Path | str) -> StateFolder:
        return cls(Path(home) / STATE_DIRNAME)

    @property
    def plan_key(self) -> Path:
        return self.root / "plan.key"

    @property
    def lock(self) -> Path:
        return self.root / "lock"

    @property
    def journal_dir(self) -> Path:
        return self.root / "journal"

    @property
    def history(self) -> Path:
        return self.root / "history.jsonl"

    @property
    def backups_dir(self) -> Path:
        return self.root / "backups"

    @property
    def service_pid(self) -> Path:
        return self.root / "service.pid"

    @property
    def service_log(self) -> Path:
        return self.root / "service.log"

    @property
    def service_json(self) -> Path:
        return self.root / "service.json"

    def ensure(self) -> Path:
        """Create the folder (owner-only, because it contains keys and backups) and return it."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        return self.root
