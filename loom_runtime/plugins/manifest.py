"""Reading and validating ``plugins/<name>/loom-plugin.yaml`` (api_version 1)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from loom_runtime.i18n import _
from loom_runtime.plugins.base import API_VERSION, CAPABILITIES

MANIFEST_NAME = "loom-plugin.yaml"
LEGACY_MANIFEST_NAME = "plugin.yaml"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_ENTRY_POINT = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
_VERSION = re.compile(r"^\d+(\.\d+){0,2}([.-]?[A-Za-z0-9.]+)?$")
_KEYS = ("api_version", "name", "version", "entry_point", "capabilities", "settings")


class PluginError(Exception):
    """A plugin cannot be loaded; the message names the manifest, the line and the fix."""

    def __init__(self, path: Path | str, line: int | None, problem: str, fix: str) -> None:
        self.path = str(path)
        self.line = line
        location = f"{path}:{line}" if line else str(path)
        super().__init__(_("{location}: {problem} Fix: {fix}").format(location=location, problem=problem, fix=fix))


@dataclass(frozen=True)
class PluginManifest:
    """A validated api_version 1 manifest."""

    path: Path
    name: str
    version: str
    entry_point: str
    capabilities: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return self.path.parent


def load_manifest(path: Path) -> PluginManifest:
    """Read and validate the manifest at ``path``; raise the first :class:`PluginError` when invalid."""
    manifest, problems = read_manifest(path)
    if problems:
        raise problems[0]
    assert manifest is not None
    return manifest


def read_manifest(path: Path) -> tuple[PluginManifest | None, list[PluginError]]:
    """Read and validate the manifest at ``path``; return it (None when invalid) and every problem, by line."""
    try:
        data = _read_yaml(path)
    except PluginError as exc:
        return None, [exc]
    problems = _key_problems(path, data)
    # A missing key is already a problem above, so its value is not checked again.
    name = _collect(problems, _string, path, data, "name", _NAME, _("Use lower-case letters, digits, '-' and '_', at most 64 characters."))
    version = _collect(problems, _string, path, data, "version", _VERSION, _("Use a version such as 0.3.1."))
    entry_point = _collect(problems, _string, path, data, "entry_point", _ENTRY_POINT, _("Write it as 'package.module:ClassName'."))
    if "api_version" in data and data.get("api_version") != API_VERSION:
        problems.append(PluginError(
            path, _line(data, "api_version"),
            _("api_version must be {expected}, found {found}.").format(expected=API_VERSION, found=data.get("api_version")),
            _("A plugin.yaml of format 0 is migrated by loom-upgrade; otherwise set 'api_version: 1'."),
        ))
    capabilities = _collect(problems, _capabilities, path, data, "capabilities")
    settings = data.get("settings") or {}
    if not isinstance(settings, dict):
        problems.append(PluginError(path, _line(data, "settings"), _("settings must be a mapping."),
                                    _("Write settings as 'key: value' pairs, for example 'settings: {sides: 20}'.")))
    if problems:
        return None, sorted(problems, key=lambda problem: problem.line or 0)
    return PluginManifest(path, name, version, entry_point, capabilities, _plain(settings)), []


def _collect(problems: list[PluginError], check: Callable[..., Any], path: Path, data: CommentedMap, key: str, *args: Any) -> Any:
    """Return ``check(path, data, key, *args)``, or record its :class:`PluginError` in ``problems`` and return None."""
    if key not in data:
        return None
    try:
        return check(path, data, key, *args)
    except PluginError as exc:
        problems.append(exc)
        return None


def _read_yaml(path: Path) -> CommentedMap:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PluginError(path, None, _("The manifest cannot be read: {reason}").format(reason=exc.strerror), _("Check that the file exists and is readable.")) from exc
    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        raise PluginError(path, line, _("The manifest is not valid YAML: {reason}").format(reason=exc.problem), _("Fix the YAML syntax on that line.")) from exc
    except YAMLError as exc:
        raise PluginError(path, None, _("The manifest is not valid YAML: {reason}").format(reason=exc), _("Fix the YAML syntax.")) from exc
    if not isinstance(data, CommentedMap):
        raise PluginError(path, 1, _("The manifest must be a mapping of keys to values."), _("Write 'api_version', 'name', 'version', 'entry_point' and 'capabilities' keys."))
    return data


def _key_problems(path: Path, data: CommentedMap) -> list[PluginError]:
    problems = [
        PluginError(path, _line(data, key), _("The key '{key}' is unknown.").format(key=key), _("Allowed keys: {keys}.").format(keys=", ".join(_KEYS)))
        for key in data if key not in _KEYS
    ]
    problems += [
        PluginError(path, None, _("The required key '{key}' is missing.").format(key=key), _("Add '{key}' to the manifest.").format(key=key))
        for key in _KEYS[:5] if key not in data
    ]
    return problems


def _string(path: Path, data: CommentedMap, key: str, pattern: re.Pattern[str], fix: str) -> str:
    value = data.get(key)
    if not isinstance(value, (str, int, float)) or not pattern.match(str(value)):
        raise PluginError(path, _line(data, key), _("The value '{value}' of '{key}' is invalid.").format(value=value, key=key), fix)
    return str(value)


def _capabilities(path: Path, data: CommentedMap, key: str = "capabilities") -> tuple[str, ...]:
    value = data.get("capabilities")
    if not isinstance(value, list) or not value:
        raise PluginError(path, _line(data, "capabilities"), _("capabilities must be a non-empty list."), _("List at least one of: {known}.").format(known=", ".join(CAPABILITIES)))
    for index, capability in enumerate(value):
        if capability not in CAPABILITIES:
            line = value.lc.item(index)[0] + 1 if hasattr(value, "lc") else _line(data, "capabilities")
            raise PluginError(path, line, _("The capability '{capability}' is unknown.").format(capability=capability), _("Use one of: {known}.").format(known=", ".join(CAPABILITIES)))
    return tuple(value)


def _line(data: CommentedMap, key: str) -> int | None:
    try:
        return data.lc.key(key)[0] + 1
    except (KeyError, AttributeError, TypeError):
        return None


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
