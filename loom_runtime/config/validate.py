"""Validating a config against its release's JSON Schema, with file, line and fix.

jsonschema's own messages are English and name schema internals, so each kind of failure
is turned into a translated sentence about the user's key, and its path is mapped back to
the YAML line through ruamel.yaml's line information.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from packaging.version import Version

from loom_runtime._version import __version__
from loom_runtime.config.compat import added_keys, without_keys
from loom_runtime.config.errors import ConfigError, ConfigFormatError, Problem
from loom_runtime.config.formats import format_releases, release_info, schema_for
from loom_runtime.config.yamlfile import line_of, load_yaml, to_plain
from loom_runtime.i18n import _

logger = logging.getLogger(__name__)

PROVIDER_KEYS = ("llm.provider", "llm_providers.default")


def _dotted(path: Any) -> str:
    return ".".join(str(step) for step in path) or _("(top level)")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


Finding = tuple[list[Any], str | None, str, str]  # (path, key inside it, message, fix)


def _required(error: ValidationError, path: list[Any], where: str) -> list[Finding]:
    missing = [name for name in error.validator_value if name not in (error.instance or {})]
    return [(path, None, _("{path}: the key {key} is missing.").format(path=where, key=name),
             _("add {key} under {path}.").format(key=name, path=where)) for name in missing]


def _additional(error: ValidationError, path: list[Any], where: str) -> list[Finding]:
    known = set(error.schema.get("properties", {}))
    extra = [name for name in error.instance if name not in known]
    fix = _("remove it or correct its spelling; known keys here: {known}.").format(known=", ".join(sorted(known)))
    return [(path, name, _("{path}: unknown key {key}.").format(path=_dotted([*path, name]), key=name), fix)
            for name in extra]


def _enum(error: ValidationError, path: list[Any], where: str) -> list[Finding]:
    choices = ", ".join(str(choice) for choice in error.validator_value)
    value = _json(error.instance)
    if where in PROVIDER_KEYS:
        return [(path, None, _("{path}: unknown provider {value}.").format(path=where, value=value),
                 _("use one of the providers: {choices}.").format(choices=choices))]
    return [(path, None, _("{path}: invalid value {value}.").format(path=where, value=value),
             _("use one of: {choices}.").format(choices=choices))]


def _const(error: ValidationError, path: list[Any], where: str) -> list[Finding]:
    return [(path, None, _("{path}: invalid value {value}.").format(path=where, value=_json(error.instance)),
             _("set it to {expected}.").format(expected=_json(error.validator_value)))]


def _type(error: ValidationError, path: list[Any], where: str) -> list[Finding]:
    message = _("{path}: expected a value of type {type}, found {value}.").format(
        path=where, type=error.validator_value, value=_json(error.instance))
    return [(path, None, message, _("write a value of type {type}.").format(type=error.validator_value))]


BOUNDS = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}


def _bound(error: ValidationError, path: list[Any], where: str) -> list[Finding]:
    return [(path, None, _("{path}: the value {value} is out of range.").format(path=where, value=_json(error.instance)),
             _("use a value {bound} {limit}.").format(bound=BOUNDS[error.validator], limit=error.validator_value))]


def _form(error: ValidationError, path: list[Any], where: str) -> list[Finding]:
    hint = error.schema.get("description") or error.validator_value
    return [(path, None, _("{path}: the value {value} has the wrong form.").format(path=where, value=_json(error.instance)),
             _("write {hint}.").format(hint=hint))]


DESCRIBERS = {"required": _required, "additionalProperties": _additional, "enum": _enum, "const": _const,
              "type": _type, "pattern": _form, "minLength": _form, **{kind: _bound for kind in BOUNDS}}


def _describe(error: ValidationError) -> list[Finding]:
    """Return the findings of one schema error; a ``required`` or unknown-key error may name several keys."""
    path = list(error.absolute_path)
    describer = DESCRIBERS.get(error.validator)
    if describer is not None:
        return describer(error, path, _dotted(path))
    return [(path, None, _("{path}: invalid value {value}.").format(path=_dotted(path), value=_json(error.instance)),
             _("correct the value ({detail}).").format(detail=error.message))]


def schema_problems(document: Any, format_release: str, root: Any, shown_as: str) -> list[Problem]:
    """Validate ``document`` against one release's format and return every problem, in file order."""
    schema = schema_for(format_release)
    validator = Draft202012Validator(schema)
    problems: list[Problem] = []
    for error in validator.iter_errors(document):
        # if/then failures repeat as their inner "required" error, which is reported instead.
        if error.validator in ("if", "allOf"):
            continue
        for path, key, message, fix in _describe(error):
            problems.append(Problem(shown_as, line_of(root, path, key), message, fix))
    problems.sort(key=lambda problem: (problem.line or 0, problem.message))
    return problems


def matching_formats(document: Any) -> list[str]:
    """Return every config format (named by release) that ``document`` is valid for."""
    found = []
    for release in format_releases():
        if Draft202012Validator(schema_for(release)).is_valid(document):
            found.append(release)
    return found


def check_config(path: Path, shown_as: str, release: str = __version__) -> dict[str, Any]:
    """Load and validate the config at ``path`` for ``release``; return it as plain data.

    Raises ``ConfigFormatError`` when the file is valid for another release's format, and
    ``ConfigError`` listing every problem otherwise.
    """
    root = load_yaml(path, shown_as)
    document = to_plain(root)
    expected = release_info(release).format_release
    if not isinstance(document, dict):
        raise ConfigError([Problem(shown_as, 1, _("The config must be a mapping of sections."),
                                   _("start from the config that `loom init` writes."))])

    problems = schema_problems(document, expected, root, shown_as)
    if not problems:
        return document

    others = [found for found in matching_formats(document) if found != expected]
    if others:
        readable = _readable_newer_config(document, others[-1], expected, release)
        if readable is not None:
            return readable
        raise _format_error(shown_as, others[-1], expected, release)
    raise ConfigError(problems)


def _readable_newer_config(document: dict[str, Any], found: str, expected: str, release: str) -> dict[str, Any] | None:
    """Return the config without the keys a newer, purely additive format added, or None."""
    if Version(found) <= Version(expected):
        return None
    keys = added_keys(release, found)
    if keys is None:
        return None
    trimmed = without_keys(document, keys)
    if not Draft202012Validator(schema_for(expected)).is_valid(trimmed):
        return None
    logger.warning("the config is in the format of release %s; LOOM %s ignores %s", found, release, ", ".join(keys))
    return trimmed


def _format_error(shown_as: str, found: str, expected: str, release: str) -> ConfigFormatError:
    if Version(found) < Version(expected):
        problem = Problem(shown_as, None,
                          _("This config is from release {found}; LOOM {release} reads the config format of release {expected}.").format(
                              found=found, release=release, expected=expected),
                          _("run loom-upgrade to migrate the home to release {release}.").format(release=release))
    else:
        problem = Problem(shown_as, None,
                          _("This config is from the newer release {found}; LOOM {release} reads the config format of release {expected}.").format(
                              found=found, release=release, expected=expected),
                          _("install LOOM {found}, or restore the config of release {release} from a backup.").format(
                              found=found, release=release))
    return ConfigFormatError(problem, found, expected)
