"""Reading a home's ``.env`` with the line of every variable, for error messages.

Values are taken literally (no ``${VAR}`` expansion), so a secret is never spliced into
another value that might be logged.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from dotenv.parser import parse_stream

from loom_runtime.config.errors import ConfigError, Problem
from loom_runtime.i18n import _


@dataclass(frozen=True)
class EnvEntry:
    value: str
    line: int


def read_env_file(path: Path, shown_as: str) -> dict[str, EnvEntry]:
    """Return the variables set in ``path`` (empty when the file does not exist)."""
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(shown_as, None, _("The .env file is not valid UTF-8."),
                                   _("save the file as UTF-8."))]) from exc

    entries: dict[str, EnvEntry] = {}
    problems: list[Problem] = []
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            problems.append(Problem(shown_as, binding.original.line,
                                    _("This line is not a NAME=value assignment."),
                                    _("write it as NAME=value, quote values that contain spaces or #, or start the line with # to comment it out.")))
        elif binding.key is not None and binding.value is not None:
            entries[binding.key] = EnvEntry(binding.value, binding.original.line)
    if problems:
        raise ConfigError(problems)
    return entries
