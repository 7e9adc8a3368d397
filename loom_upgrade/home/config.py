"""Read a home's config and ``.env``, and find which release's config schema the config matches."""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from loom_upgrade.errors import UsageError
from loom_upgrade.i18n import _
from loom_upgrade.migrate.env import read_values

CONFIG_RELATIVE = Path("config") / "default_config.yaml"
# Words of ruamel.yaml's error contexts for a construct opened by a bracket, brace or quote.
UNCLOSED_CONTEXTS = ("flow sequence", "flow mapping", "quoted scalar")


def sha256_of(path: Path) -> str | None:
    """Return the SHA-256 of a file's bytes, or None when it does not exist."""
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _yaml_error(path: Path, exc: YAMLError) -> UsageError:
    """Return the error for a YAML syntax error, at the line where the problem starts.

    For an unclosed bracket, brace or quote the parser notices the problem lines later,
    where the next key appears, so its ``context_mark`` (the opening character) is the
    line to show. For other errors the context is the enclosing block, so the
    ``problem_mark`` is shown.
    """
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None) or ""
    context_mark = getattr(exc, "context_mark", None)
    unclosed = context_mark is not None and any(word in context for word in UNCLOSED_CONTEXTS)
    mark = context_mark if unclosed else getattr(exc, "problem_mark", None)
    if unclosed:
        message = _("The config file is not valid YAML: {problem} ({context} that starts on this line).").format(
            problem=problem, context=context
        )
    else:
        message = _("The config file is not valid YAML: {problem}.").format(problem=problem)
    return UsageError(
        message,
        path=path,
        line=mark.line + 1 if mark is not None else None,
        fix=_("Correct the YAML syntax at that line, or restore the file from a backup."),
    )


def read_config(path: Path) -> dict[str, Any]:
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except YAMLError as exc:
        raise _yaml_error(path, exc) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            _("The config file cannot be read: {reason}.").format(reason=exc),
            path=path,
            fix=_("Make the file readable UTF-8 text."),
        ) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(
            _("The config file does not contain a mapping of sections."),
            path=path,
            line=1,
            fix=_("Restore the config file from a backup."),
        )
    return data


def read_env(path: Path) -> dict[str, str | None]:
    """Read ``.env`` with python-dotenv semantics, without expanding variables.

    python-dotenv's English warning about an unparseable line is muted here, because the
    env-file preflight check reports that line translated, with its fix.
    """
    if not path.is_file():
        return {}
    return read_values(path.read_text(encoding="utf-8-sig"))


def _config_schema_names() -> list[str]:
    """Return the config schema names of the catalog's releases, newest first."""
    from loom_upgrade.catalog import load_catalog

    names: list[str] = []
    for release in reversed(load_catalog().releases):
        if release.config_schema not in names:
            names.append(release.config_schema)
    return names


@functools.lru_cache(maxsize=None)
def config_validator(schema_name: str) -> jsonschema.Draft202012Validator:
    """Return a validator for one release's config schema, e.g. ``config/0.9.2.json``."""
    text = resources.files("loom_schemas").joinpath(*schema_name.split("/")).read_text(encoding="utf-8")
    return jsonschema.Draft202012Validator(json.loads(text))


def config_format(config: dict[str, Any]) -> str | None:
    """Return the catalog's ``config_schema`` name (newest first) that the config validates
    against, or None when it validates against none of them."""
    for name in _config_schema_names():
        if config_validator(name).is_valid(config):
            return name
    return None


def config_problem(config: dict[str, Any], schema_name: str) -> str | None:
    """Return the first reason ``config`` does not validate against ``schema_name``, or None."""
    errors = sorted(config_validator(schema_name).iter_errors(config), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    where = ".".join(str(part) for part in errors[0].absolute_path) or "(top level)"
    return f"{where}: {errors[0].message}"
