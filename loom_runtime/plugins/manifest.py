"""Reading and validating ``plugins/<name>/loom-plugin.yaml`` (api_version 1)."""

from __future__ import annotations

import re
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
    """Read and validate the manifest at ``path``; raise :class:`PluginError` when invalid."""
    data = _read_yaml(path)
    _check_keys(path, data)
    name = _string(path, data, "name", _NAME, _("Use lower-case letters, digits, '-' and '_', at most 64 characters."))
    version = _string(path, data, "version", _VERSION, _("Use a version such as 0.3.1."))
    entry_point = _string(path, data, "entry_point", _ENTRY_POINT, _("Write it as 'package.module:ClassName'."))
    if data.get("api_version") != API_VERSION:
        raise PluginError(
            path, _line(data, "api_version"),
            _("api_version must be {expected}, found {found}.").format(expected=API_VERSION, found=data.get("api_version")),
            _("A plugin.yaml of format 0 is migrated by loom-upgrade; otherwise set 'api_version: 1'."),
        )
    capabilities = _capabilities(path, data)
    settings = data.get("settings") or {}
    if not isinstance(settings, dict):
        raise PluginError(path, _line(data, "settings"), _("settings must be a mapping."), _("Write settings as 'key: value' pairs, for example 'settings: {sides: 20}'."))
    return PluginManifest(path, name, version, entry_point, capabilities, _plain(settings))


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


def _check_keys(path: Path, data: CommentedMap) -> None:
    for key in data:
        if key not in _KEYS:
            raise PluginError(path, _line(data, key), _("The key '{key}' is unknown.").format(key=key), _("Allowed keys: {keys}.").format(keys=", ".join(_KEYS)))
    for key in _KEYS[:5]:
        if key not in data:
            raise PluginError(path, None, _("The required key '{key}' is missing.").format(key=key), _("Add '{key}' to the manifest.").format(key=key))


def _string(path: Path, data: CommentedMap, key: str, pattern: re.Pattern[str], fix: str) -> str:
    value = data.get(key)
    if not isinstance(value, (str, int, float)) or not pattern.match(str(value)):
        raise PluginError(path, _line(data, key), _("The value '{value}' of '{key}' is invalid.").format(value=value, key=key), fix)
    return str(value)


def _capabilities(path: Path, data: CommentedMap) -> tuple[str, ...]:
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
