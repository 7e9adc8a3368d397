"""Key paths of config operations: ``server.port``, ``mounts[1].path``, ``a."b.c"``.

A path may contain ``{dotted.path}`` placeholders that name another key of the same
file. They are filled in from the file's data before the operation runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

Segment = str | int

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_SEGMENT = re.compile(r'"((?:[^"\\]|\\.)*)"|([^.\[\]"]+)|\[(-?\d+)\]')


class PathSyntaxError(ValueError):
    """A key path cannot be parsed."""


def parse_path(text: str) -> list[Segment]:
    """Split a dotted path into mapping keys (str) and sequence indexes (int)."""
    segments: list[Segment] = []
    position = 0
    expect_segment = True
    while position < len(text):
        if text[position] == "." and not expect_segment:
            position += 1
            expect_segment = True
            continue
        match = _SEGMENT.match(text, position)
        if match is None:
            raise PathSyntaxError(f"invalid key path {text!r} at character {position + 1}")
        quoted, plain, index = match.groups()
        if index is not None:
            if not segments and expect_segment and position == 0:
                raise PathSyntaxError(f"key path {text!r} starts with an index")
            segments.append(int(index))
            expect_segment = False
        else:
            if not expect_segment:
                raise PathSyntaxError(f"invalid key path {text!r}: a '.' is missing at character {position + 1}")
            segments.append(plain if plain is not None else re.sub(r"\\(.)", r"\1", quoted))
            expect_segment = False
        position = match.end()
    if expect_segment:
        raise PathSyntaxError(f"invalid key path {text!r}: it ends with '.' or is empty")
    return segments


def format_path(segments: Sequence[Segment]) -> str:
    """Return the dotted text of a parsed path (the inverse of ``parse_path``)."""
    out = ""
    for segment in segments:
        if isinstance(segment, int):
            out += f"[{segment}]"
            continue
        text = segment if re.fullmatch(r"[^.\[\]\"]+", segment) else '"' + segment.replace('"', '\\"') + '"'
        out += ("." if out else "") + text
    return out


def placeholders(text: str) -> list[str]:
    return _PLACEHOLDER.findall(text)


def fill_placeholders(text: str, data: Any) -> str:
    """Replace each ``{dotted.path}`` with the scalar found there; KeyError names a missing one."""

    def replace(match: re.Match[str]) -> str:
        found, value = lookup(data, parse_path(match.group(1)))
        if not found or isinstance(value, (Mapping, list)) or value is None:
            raise KeyError(match.group(1))
        return str(value)

    return _PLACEHOLDER.sub(replace, text)


def lookup(data: Any, segments: Sequence[Segment]) -> tuple[bool, Any]:
    """Return (found, value) for a parsed path in plain data."""
    current = data
    for segment in segments:
        if isinstance(segment, int):
            if not isinstance(current, list) or not -len(current) <= segment < len(current):
                return False, None
            current = current[segment]
        else:
            if not isinstance(current, Mapping) or segment not in current:
                return False, None
            current = current[segment]
    return True, current
