"""Loading a home's settings: ``config/default_config.yaml`` validated, then ``.env`` on top.

Precedence, highest first: 1. the process environment, 2. the home's ``.env``, 3. the
config file, 4. the defaults of the config's release.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from packaging.version import Version
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from loom_runtime._version import __version__
from loom_runtime.config.envfile import EnvEntry, read_env_file
from loom_runtime.config.errors import ConfigError, Problem
from loom_runtime.config.formats import release_info
from loom_runtime.config.settings import Settings, resolve_storage_url, settings_from_document
from loom_runtime.config.validate import check_config
from loom_runtime.i18n import _

logger = logging.getLogger(__name__)

CONFIG_FILE = Path("config") / "default_config.yaml"
ENV_FILE = Path(".env")


def config_path(home: Path) -> Path:
    return home / CONFIG_FILE


def env_path(home: Path) -> Path:
    return home / ENV_FILE


@dataclass(frozen=True)
class _Override:
    """One environment variable that overrides a setting, from the release that added it."""

    since: str
    field: str
    parse: Callable[[str], Any]
    expected: str


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise ValueError(raw)
        return value
    return parse


def _log_level(raw: str) -> str:
    value = raw.strip().upper()
    if value not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ValueError(raw)
    return value


def _boolean(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def _port(raw: str) -> int | None:
    if not raw.strip():
        return None
    value = int(raw.strip())
    if not 1 <= value <= 65535:
        raise ValueError(raw)
    return value


def _storage_url(raw: str) -> str:
    try:
        url = make_url(raw.strip())
    except ArgumentError as exc:
        raise ValueError(raw) from exc
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(raw)
    return raw.strip()


OVERRIDES: dict[str, _Override] = {
    "LOOM_LOG_LEVEL": _Override("0.1.0", "log_level", _log_level, "DEBUG, INFO, WARNING, ERROR or CRITICAL"),
    "NARRATIVE_INTERPRETER_MODE": _Override("0.10.0", "interpreter_mode", _choice("basic", "advanced"), "basic or advanced"),
    "CONSISTENCY_CHECK_LEVEL": _Override("0.10.0", "consistency_level", _choice("low", "medium", "high"), "low, medium or high"),
    "INTERVENTION_HANDLING_MODE": _Override("0.10.0", "intervention_mode", _choice("strict", "adaptive"), "strict or adaptive"),
    "ENABLE_PERFORMANCE_MONITORING": _Override("0.10.0", "monitoring_enabled", _boolean, "true or false"),
    "METRICS_EXPORT_PORT": _Override("0.10.0", "metrics_export_port", _port, "a port number from 1 to 65535"),
    "LOOM_STORAGE_URL": _Override("1.0.0", "storage_url", _storage_url, "an sqlite:/// or postgresql:// URL"),
}
# Read only by 0.10.x; from 1.0.0 the storage URL replaces it.
REMOVED_IN_1_0 = "MEMORY_STORAGE_TYPE"


def _merged_environment(entries: Mapping[str, EnvEntry], environ: Mapping[str, str]) -> dict[str, str]:
    merged = {name: entry.value for name, entry in entries.items()}
    merged.update(environ)
    return merged


def _apply_overrides(settings: Settings, entries: Mapping[str, EnvEntry], environ: Mapping[str, str],
                     env_shown_as: str) -> Settings:
    changes: dict[str, Any] = {}
    problems: list[Problem] = []
    format_version = Version(settings.config_format)
    for name, override in OVERRIDES.items():
        if format_version < Version(override.since):
            continue
        if name in environ:
            raw, where, line = environ[name], _("the environment"), None
        elif name in entries:
            raw, where, line = entries[name].value, env_shown_as, entries[name].line
        else:
            continue
        try:
            value = override.parse(raw)
        except ValueError:
            problems.append(Problem(where, line,
                                    _("{name} has the invalid value {value}.").format(name=name, value=_mask(name, raw)),
                                    _("set {name} to {expected}.").format(name=name, expected=override.expected)))
            continue
        if override.field == "storage_url":
            value = resolve_storage_url(settings.home, value)
        changes[override.field] = value
    if problems:
        raise ConfigError(problems)
    if format_version >= Version("1.0.0") and (REMOVED_IN_1_0 in environ or REMOVED_IN_1_0 in entries):
        logger.warning("%s is ignored from release 1.0.0 on; storage.url replaces it", REMOVED_IN_1_0)
    return replace(settings, **changes)


def _mask(name: str, raw: str) -> str:
    """Show a value in an error message, masking a password inside a URL."""
    if name == "LOOM_STORAGE_URL":
        try:
            return make_url(raw.strip()).render_as_string(hide_password=True)
        except ArgumentError:
            return "***"
    return repr(raw)


def load_settings(home: Path, release: str = __version__, environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the home's config and ``.env``; raise ``ConfigError`` on any problem."""
    environ = os.environ if environ is None else environ
    resolved_home = home.resolve()
    document = check_config(config_path(home), str(config_path(home)), release)
    entries = read_env_file(env_path(home), str(env_path(home)))
    config_format = release_info(release).format_release
    settings = settings_from_document(resolved_home, document, config_format,
                                      _merged_environment(entries, environ))
    return _apply_overrides(settings, entries, environ, str(env_path(home)))
