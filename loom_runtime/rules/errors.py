"""The error raised for a canon file that cannot be used."""

from __future__ import annotations

from loom_runtime.i18n import _


class CanonError(ValueError):
    """A malformed canon file: names the file, the line and how to fix it.

    ``problem`` and ``fix`` are already translated sentences.
    """

    def __init__(self, path: str, line: int | None, problem: str, fix: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        self.fix = fix
        if line is None:
            message = _("{path}: {problem} Fix: {fix}").format(path=path, problem=problem, fix=fix)
        else:
            message = _("{path}, line {line}: {problem} Fix: {fix}").format(
                path=path, line=line, problem=problem, fix=fix
            )
        super().__init__(message)
