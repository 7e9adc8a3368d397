"""The errors loom-upgrade raises, one subclass per concern, each mapped to an exit code.

Every error a user can cause is a ``LoomUpgradeError``: it carries what was attempted,
where (file and line when there is one) and the fix, and the CLI prints it as one message
with no traceback. Library errors are translated into these at the boundary that called
the library, chained with ``raise ... from exc``.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    OK = 0
    ROLLED_BACK = 1
    USAGE = 2
    PREFLIGHT = 3
    OPERATOR_ACTION = 4
    LOCKED = 5


class LoomUpgradeError(Exception):
    """Root of every error loom-upgrade reports to its user."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        fix: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.fix = fix

    def location(self) -> str | None:
        if self.path is None:
            return None
        return f"{self.path}:{self.line}" if self.line is not None else self.path

    def to_dict(self) -> dict[str, object]:
        return {
            "error": type(self).__name__,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "fix": self.fix,
            "exit_code": int(self.exit_code),
        }


class UsageError(LoomUpgradeError):
    """Invalid command-line usage or input file; nothing was changed."""


class CatalogError(LoomUpgradeError):
    """The release catalog or a version named on the command line is invalid."""


class PlaybookError(LoomUpgradeError):
    """A playbook does not validate."""


class MigrationError(LoomUpgradeError):
    """A config, env, canon, plugin or database migration cannot be applied as declared."""


class PlanError(LoomUpgradeError):
    """A saved plan is tampered with, stale, or does not fit the deployment."""


class PreflightError(LoomUpgradeError):
    """One or more preflight checks failed; nothing was changed."""

    exit_code = ExitCode.PREFLIGHT


class BackupError(LoomUpgradeError):
    """A backup cannot be created, verified or restored."""


class LockedError(LoomUpgradeError):
    """Another live run holds the deployment's lock."""

    exit_code = ExitCode.LOCKED


class RolledBackError(LoomUpgradeError):
    """The upgrade failed and the deployment was restored and verified at its starting release."""

    exit_code = ExitCode.ROLLED_BACK


class OperatorActionError(LoomUpgradeError):
    """A rollback failed or is incomplete; ``fix`` names the exact next command."""

    exit_code = ExitCode.OPERATOR_ACTION


class TargetError(LoomUpgradeError):
    """A target (local host, SSH, Docker, ECS, Kubernetes) failed an operation."""
