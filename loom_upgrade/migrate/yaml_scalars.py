"""Writing new YAML scalars so that every reader, YAML 1.1 or 1.2, reads the intended value.

A YAML 1.1 reader (PyYAML, many Go and Java tools) turns plain ``no``, ``on``, ``0750``,
``1e3``, ``1:30``, ``~`` or ``2026-01-12`` into booleans, numbers, null or dates. The tool
quotes every string it writes that any of them could read as something else. Existing
values are never rewritten; ``ambiguous_plain_scalar`` lets callers warn about them.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

# Plain scalars that YAML 1.1 or 1.2 resolve to a non-string type.
_YAML11_BOOL = re.compile(r"(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)")
_NULL = re.compile(r"(?:~|null|Null|NULL|)")
_INT = re.compile(
    r"[-+]?(?:0b[0-1_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])+|[0-9][0-9_]*)"
)
_FLOAT = re.compile(
    r"[-+]?(?:(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[0-9][0-9_]*(?:[eE][-+]?[0-9]+)"
    r"|[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))"
)
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?")
_SAFE_PLAIN = re.compile(r"[A-Za-z0-9_/.\u0080-\U0010ffff][A-Za-z0-9_./@%+=\-\u0080-\U0010ffff]*(?::[A-Za-z0-9_/.@%+=\-]+)*")


def ambiguous_plain_scalar(text: str) -> bool:
    """Return True when a plain (unquoted) scalar is not a string for some YAML reader."""
    return bool(
        _YAML11_BOOL.fullmatch(text)
        or _NULL.fullmatch(text)
        or _INT.fullmatch(text)
        or _FLOAT.fullmatch(text)
        or _TIMESTAMP.fullmatch(text)
        or text in ("=", "<<")
    )


def format_string(value: str, *, flow: bool = False) -> str:
    """Return a YAML scalar for ``value`` that every reader reads back as that string.

    ``flow`` quotes a value with ``:`` too, because ruamel.yaml and PyYAML reject a colon
    in a plain scalar inside ``{...}`` or ``[...]``.
    """
    plain_ok = not (flow and ":" in value)
    if plain_ok and _SAFE_PLAIN.fullmatch(value) and not ambiguous_plain_scalar(value) and value == value.strip():
        return value
    if all(ch == "\t" or (ch >= " " and ch not in "\x7f\x85\u2028\u2029\ufeff") for ch in value):
        return "'" + value.replace("'", "''") + "'"
    # Control characters and line breaks need escapes, which only double quotes have.
    return json.dumps(value, ensure_ascii=False)


def format_scalar(value: Any, *, flow: bool = False) -> str:
    """Return the flow-style YAML text of a value (scalars, lists and mappings).

    ``flow`` says the value goes inside a flow collection; nested items always do.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return format_string(value, flow=flow)
    if isinstance(value, Mapping):
        items = ", ".join(f"{format_key(key)}: {format_scalar(item, flow=True)}" for key, item in value.items())
        return "{" + items + "}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(format_scalar(item, flow=True) for item in value) + "]"
    raise TypeError(f"cannot write a value of type {type(value).__name__} to YAML")


def format_key(key: Any, style: str | None = None) -> str:
    """Return the YAML text of a mapping key, in the quoting ``style`` of the key it replaces."""
    if not isinstance(key, str):
        return format_scalar(key)
    if style == '"':
        return json.dumps(key, ensure_ascii=False)
    if style == "'" and key.isprintable():
        return "'" + key.replace("'", "''") + "'"
    return format_string(key)
