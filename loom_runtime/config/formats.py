"""The config format of each release, read from the release catalog.

The catalog (``releases.yaml``, installed as the package ``loom_migrations``) names for
every release the JSON Schema of its config format; several releases may share one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from packaging.version import Version
from ruamel.yaml import YAML

from loom_runtime._version import __version__


@dataclass(frozen=True)
class ReleaseInfo:
    version: str
    db_revision: str
    config_schema: str  # path inside loom_schemas, e.g. "config/0.9.0.json"

    @property
    def format_release(self) -> str:
        """The release that introduced this config format ("0.9.0" for config/0.9.0.json)."""
        return self.config_schema.rsplit("/", 1)[-1].removesuffix(".json")


@lru_cache(maxsize=1)
def catalog() -> dict[str, Any]:
    text = resources.files("loom_migrations").joinpath("releases.yaml").read_text(encoding="utf-8")
    return YAML(typ="safe").load(text)


@lru_cache(maxsize=1)
def releases() -> tuple[ReleaseInfo, ...]:
    """Return every release of the catalog, oldest first."""
    found = [
        ReleaseInfo(str(entry["version"]), str(entry["db_revision"]), str(entry["config_schema"]))
        for entry in catalog()["releases"]
    ]
    return tuple(sorted(found, key=lambda info: Version(info.version)))


def release_info(version: str = __version__) -> ReleaseInfo:
    """Return the catalog entry of ``version``; raise ``KeyError`` for an unknown release."""
    for info in releases():
        if Version(info.version) == Version(version):
            return info
    raise KeyError(version)


def format_releases() -> list[str]:
    """Return every config format, named by the release that introduced it, oldest first."""
    seen: list[str] = []
    for info in releases():
        if info.format_release not in seen:
            seen.append(info.format_release)
    return seen


@lru_cache(maxsize=None)
def schema_for(format_release: str) -> dict[str, Any]:
    text = resources.files("loom_schemas").joinpath("config", f"{format_release}.json").read_text(encoding="utf-8")
    return json.loads(text)
