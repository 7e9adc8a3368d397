"""Loading and validation of playbooks (``schemas/playbook.schema.json``).

A playbook is validated in full before anything runs. Each error names the file, the line
of the offending node and the fix, because operators copy and edit playbooks by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from loom_upgrade.errors import PlaybookError
from loom_upgrade.i18n import _

DEFAULT_PLAYBOOK = "local.yaml"


@dataclass(frozen=True)
class StepSpec:
    """One step as the playbook declares it."""

    id: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    line: int | None = None


@dataclass(frozen=True)
class HopGroup:
    """Steps that run once for every hop of the plan."""

    id: str
    steps: tuple[StepSpec, ...]


@dataclass(frozen=True)
class Playbook:
    name: str
    path: str
    target: dict[str, Any]
    strategy: str
    steps: tuple[StepSpec | HopGroup, ...]


def schema() -> dict[str, Any]:
    text = resources.files("loom_schemas").joinpath("playbook.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def default_playbook_path() -> Path:
    return Path(str(resources.files("loom_playbooks").joinpath(DEFAULT_PLAYBOOK)))


def load_playbook(path: str | Path | None = None) -> Playbook:
    """Read, validate and return the playbook at ``path`` (default: the local in-place one)."""
    path = Path(path) if path is not None else default_playbook_path()
    document = _read_yaml(path)
    _validate_schema(document, path)
    playbook = _build(document, path)
    _check_ids(playbook, document, path)
    return playbook


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PlaybookError(
            _("The playbook {path} does not exist.").format(path=path),
            path=path,
            fix=_("Pass the path of an existing playbook, or omit --playbook to use the built-in local one."),
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PlaybookError(
            _("The playbook {path} cannot be read: {reason}").format(path=path, reason=exc),
            path=path,
            fix=_("Make the file readable and UTF-8 encoded."),
        ) from exc
    try:
        return YAML(typ="rt").load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise PlaybookError(
            _("The playbook is not valid YAML: {reason}").format(reason=getattr(exc, "problem", None) or exc),
            path=path,
            line=line,
            fix=_("Correct the YAML syntax at that line."),
        ) from exc


def _line_of(document: Any, location: list[Any]) -> int | None:
    """Return the 1-based line of the node at ``location`` (or of its nearest parent)."""
    node = document
    line = 1
    for key in location:
        try:
            if isinstance(node, CommentedMap) and key in node:
                line = node.lc.key(key)[0] + 1
            elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
                line = node.lc.item(key)[0] + 1
            else:
                break
            node = node[key]
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    return line


def _validate_schema(document: Any, path: Path) -> None:
    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(_plain(document)), key=lambda error: list(error.absolute_path))
    if not errors:
        return
    error = errors[0]
    # A oneOf failure on a step hides the useful detail in its context: pick the deepest.
    if error.context:
        error = max(error.context, key=lambda sub: len(list(sub.absolute_path)))
    location = list(error.absolute_path)
    where = "/".join(str(part) for part in location) or "(top level)"
    raise PlaybookError(
        _("The playbook is invalid at {where}: {reason}").format(where=where, reason=error.message),
        path=path,
        line=_line_of(document, location),
        fix=_("Edit that line to match schemas/playbook.schema.json; playbooks/local.yaml is a valid example."),
    )


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    return node


def _step(node: Any) -> StepSpec:
    line = node.lc.line + 1 if isinstance(node, CommentedMap) else None
    return StepSpec(id=node["id"], kind=node["kind"], params=_plain(node.get("params") or {}), line=line)


def _build(document: Any, path: Path) -> Playbook:
    steps: list[StepSpec | HopGroup] = []
    for node in document["steps"]:
        if "for_each" in node:
            steps.append(HopGroup(id=node["id"], steps=tuple(_step(child) for child in node["steps"])))
        else:
            steps.append(_step(node))
    return Playbook(
        name=document["name"],
        path=str(path),
        target=_plain(document["target"]),
        strategy=document["strategy"],
        steps=tuple(steps),
    )


def _check_ids(playbook: Playbook, document: Any, path: Path) -> None:
    seen: set[str] = set()
    groups = 0
    for index, item in enumerate(playbook.steps):
        children = item.steps if isinstance(item, HopGroup) else (item,)
        if isinstance(item, HopGroup):
            groups += 1
            if groups > 1:
                raise PlaybookError(
                    _("The playbook has more than one for_each: hop group."),
                    path=path,
                    line=_line_of(document, ["steps", index]),
                    fix=_("Put every per-hop step into one group."),
                )
        for child in children:
            if child.id in seen:
                raise PlaybookError(
                    _("The step id {id} appears twice in the playbook.").format(id=child.id),
                    path=path,
                    line=child.line,
                    fix=_("Give every step a unique id."),
                )
            seen.add(child.id)
