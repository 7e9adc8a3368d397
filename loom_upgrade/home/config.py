"""Read a home's config and ``.env`` and tell which release's config format the config has."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from loom_upgrade.errors import UsageError
from loom_upgrade.i18n import _

CONFIG_RELATIVE = Path("config") / "default_config.yaml"


def sha256_of(path: Path) -> str | None:
    """Return the SHA-256 of a file's bytes, or None when it does not exist."""
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def read_config(path: Path) -> dict[str, Any]:
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UsageError(
            _("The config file is not valid YAML: {problem}.").format(problem=getattr(exc, "problem", exc)),
            path=path,
            line=mark.line + 1 if mark is not None else None,
            fix=_("Correct the YAML syntax at that line, or restore the file from a backup."),
        ) from exc
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
    """Read ``.env`` with python-dotenv semantics, without expanding variables."""
    if not path.is_file():
        return {}
    return dict(dotenv_values(path, interpolate=False, encoding="utf-8-sig"))


def _section(config: dict[str, Any], name: str) -> dict[str, Any]:
    value = config.get(name)
    return value if isinstance(value, dict) else {}


def config_format(config: dict[str, Any]) -> str | None:
    """Return the catalog's ``config_schema`` name whose sections this config has.

    Each release that changed the config's shape left a marker (the table in
    docs/architecture.md); the newest marker present wins. Returns None when none fits.
    """
    storage, memory, server = _section(config, "storage"), _section(config, "memory"), _section(config, "server")
    if "url" in storage:
        return "config/1.1.0.json" if "retrieval_limit" in memory else "config/1.0.0.json"
    if "interpreter" in config:
        return "config/0.10.0.json"
    if "engine" in config:
        return "config/0.9.2.json" if "request_timeout" in server else "config/0.9.0.json"
    if "llm_providers" in config:
        return "config/0.2.0.json"
    if "llm" in config:
        return "config/0.1.0.json"
    return None
