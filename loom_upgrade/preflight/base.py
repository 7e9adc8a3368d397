"""Preflight results, the context every check reads, and the report of one run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loom_upgrade.catalog import Catalog
from loom_upgrade.home.model import HomeState
from loom_upgrade.planner.model import Plan


@dataclass
class CheckResult:
    name: str
    passed: bool
    measured: str | None = None
    detail: str | None = None
    fix: str | None = None
    overridden: bool = False  # failed, but the operator named it with --skip-check

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "measured": self.measured,
            "detail": self.detail,
            "fix": self.fix,
            "overridden": self.overridden,
        }


@dataclass
class PreflightContext:
    home: HomeState
    plan: Plan | None
    catalog: Catalog
    plan_error: str | None = None  # why no plan could be made, when ``plan`` is None
    backup_dir: Path = Path(".")
    drop_stale_batch_tables: bool = False
    artifact_source: Any = None  # loom_upgrade.targets.base.ArtifactSource when an artifact switch is planned
    limits: dict[str, Any] = field(default_factory=dict)  # overrides of the checks' thresholds
    port: int | None = None  # --port, the port the new service will listen on; None: server.port


Check = Callable[[PreflightContext], CheckResult]


@dataclass
class PreflightReport:
    checks: list[CheckResult]
    home: str | None = None
    target: str | None = None

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if not c.passed and not c.overridden]

    @property
    def overridden(self) -> list[str]:
        return [c.name for c in self.checks if c.overridden]

    @property
    def passed(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "home": self.home,
            "target": self.target,
            "checks": [c.to_dict() for c in self.checks],
            "failed": self.failed,
            "overridden": self.overridden,
        }
