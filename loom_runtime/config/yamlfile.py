"""Reading a YAML config while keeping the line of every key, for error messages."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from loom_runtime.config.errors import ConfigError, Problem
from loom_runtime.i18n import _


def load_yaml(path: Path, shown_as: str) -> Any:
    """Parse ``path`` with ruamel.yaml's round-trip loader, which records line numbers."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError([Problem(shown_as, None, _("The config file does not exist."),
                                   _("create it with `loom init`, or pass the right --home."))]) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(shown_as, None, _("The config file is not valid UTF-8."),
                                   _("save the file as UTF-8."))]) from exc
    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        detail = exc.problem or exc.context or ""
        raise ConfigError([Problem(shown_as, line, _("Invalid YAML: {detail}.").format(detail=detail),
                                   _("correct the YAML syntax on that line."))]) from exc
    except YAMLError as exc:
        raise ConfigError([Problem(shown_as, None, _("Invalid YAML: {detail}.").format(detail=exc),
                                   _("correct the YAML syntax."))]) from exc


def to_plain(node: Any) -> Any:
    """Convert ruamel's round-trip containers and scalars to plain Python values."""
    if isinstance(node, dict):
        return {str(key): to_plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [to_plain(item) for item in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def line_of(root: Any, path: Iterable[Any], key: str | None = None) -> int | None:
    """Return the 1-based line of the node at ``path`` (or of ``key`` inside it).

    Walks as far down ``path`` as the document goes, so a path into a missing or
    mistyped node still points at its nearest existing parent.
    """
    node = root
    line: int | None = 1 if isinstance(root, CommentedMap) else None
    for step in path:
        if isinstance(node, CommentedMap) and step in node:
            line = node.lc.key(step)[0] + 1
            node = node[step]
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and step < len(node):
            line = node.lc.item(step)[0] + 1
            node = node[step]
        else:
            break
    if key is not None and isinstance(node, CommentedMap) and key in node:
        line = node.lc.key(key)[0] + 1
    return line
