"""Errors raised while reading a home's config and ``.env``.

Each error carries one or more ``Problem`` records so that the CLI can print every problem
of a file at once, each as ``file:line: message`` followed by the fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from loom_runtime.i18n import _


@dataclass(frozen=True)
class Problem:
    """One finding in a user's file: where it is, what is wrong and how to fix it."""

    file: str
    line: int | None
    message: str
    fix: str

    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def render(self) -> str:
        return _("{location}: {message} Fix: {fix}").format(
            location=self.location(), message=self.message, fix=self.fix
        )


class ConfigError(Exception):
    """The config or ``.env`` of a home cannot be used; ``problems`` lists where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(problem.render() for problem in self.problems))


class ConfigFormatError(ConfigError):
    """The config is valid for another release's format than the one this code reads."""

    def __init__(self, problem: Problem, found_release: str, expected_release: str) -> None:
        self.found_release = found_release
        self.expected_release = expected_release
        super().__init__([problem])
