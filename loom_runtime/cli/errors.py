"""The error the ``loom`` command reports to its user, and the mapping of library errors to it."""

from __future__ import annotations


class CliError(Exception):
    """A user-facing failure: what went wrong, where, and the fix. Never shows a traceback."""

    def __init__(self, message: str, fix: str | None = None, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.exit_code = exit_code
