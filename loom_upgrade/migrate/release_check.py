"""Checks that a config or ``.env`` file is at the release ``--from`` names before it is migrated.

The operations of a release path assume the file is at the path's first release. Applied
to a file of another release they re-add keys that a later release removed, or leave keys
that the target release rejects. So the config is validated against the JSON Schema of
the ``--from`` release (the catalog's ``config_schema``), and the ``.env`` file's variable
names are compared with the variables the catalog adds and removes up to each release.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from loom_upgrade.catalog.model import Catalog, Release
from loom_upgrade.errors import MigrationError
from loom_upgrade.i18n import _

log = logging.getLogger(__name__)


def check_config_release(path: Path, text: str, catalog: Catalog, source: Release, target: Release) -> bool:
    """Return True when the config is already at ``target``; raise unless it is at ``source``."""
    from loom_upgrade.home.config import config_problem, config_validator
    from loom_upgrade.migrate.config import YamlState

    YamlState.from_text(path, text)  # reports a syntax error with our file:line
    try:
        data = YAML(typ="safe", pure=True).load(text.lstrip("\ufeff"))
    except YAMLError:
        # The migration itself reports what is wrong with this file.
        log.info("skipping the release check of %s: not loadable by the safe loader", path)
        return False
    if config_validator(source.config_schema).is_valid(data):
        return False
    if config_validator(target.config_schema).is_valid(data):
        return True
    matching = [release for release in catalog.releases if config_validator(release.config_schema).is_valid(data)]
    raise _mismatch(path, "config", source, matching, config_problem(data, source.config_schema) or "")


def check_env_release(path: Path, names: Iterable[str], catalog: Catalog, source: Release, target: Release) -> bool:
    """Return True when the ``.env`` names fit ``target`` only; raise when they do not fit ``source``.

    Only the variables the catalog adds, renames or removes are compared: a file fits a
    release when every such variable it sets exists at that release.
    """
    alive = _variables_by_release(catalog)
    known = set().union(*alive.values()) | _removed_names(catalog)
    present = {name for name in names if name in known}
    if present <= alive[source.version]:
        return False
    if present <= alive[target.version]:
        return True
    matching = [release for release in catalog.releases if present <= alive[release.version]]
    stray = sorted(present - alive[source.version])
    problem = _("it sets {names}, which release {release} does not have").format(names=", ".join(stray), release=source.text)
    raise _mismatch(path, "env", source, matching, problem)


def _mismatch(path: Path, kind: str, source: Release, matching: list[Release], problem: str) -> MigrationError:
    if matching:
        looks = ", ".join(release.text for release in matching)
        return MigrationError(
            _("{name} is not in the {kind} format of release {release} ({problem}); it looks like release {looks}").format(
                name=path.name, kind=kind, release=source.text, problem=problem, looks=looks
            ),
            path=path,
            fix=_("Run the command again with --from {release}, the release this file is at.").format(release=matching[-1].text),
        )
    return MigrationError(
        _("{name} is not in the {kind} format of release {release} ({problem}), nor of any other release").format(
            name=path.name, kind=kind, release=source.text, problem=problem
        ),
        path=path,
        fix=_("Correct the file so that it matches release {release} (see docs/architecture.md), then run the command again.").format(
            release=source.text
        ),
    )


def _main_line(catalog: Catalog) -> list[Any]:
    """Return the in-place edges between consecutive releases, oldest first."""
    from loom_upgrade.planner import find_path

    first, last = catalog.releases[0], catalog.releases[-1]
    return list(find_path(catalog, first, last, mode="in-place"))


def _env_changes(edge: Any) -> tuple[set[str], set[str]]:
    """Return the variable names one edge adds and removes (a rename does both)."""
    added: set[str] = set()
    removed: set[str] = set()
    for operation in edge.env:
        for name, args in operation.items():
            if not isinstance(args, dict):
                continue
            if name in ("add_var", "set_var") and "name" in args:
                added.add(str(args["name"]))
            elif name == "remove_var" and "name" in args:
                removed.add(str(args["name"]))
            elif name == "rename_var" and "name" in args and "to" in args:
                removed.add(str(args["name"]))
                added.add(str(args["to"]))
    return added, removed


def _removed_names(catalog: Catalog) -> set[str]:
    return {name for edge in _main_line(catalog) for name in _env_changes(edge)[1]}


def _variables_by_release(catalog: Catalog) -> dict[Any, set[str]]:
    """Return, per release version, the catalog-managed variables that exist at it.

    A variable the catalog first removes (or renames) existed from the first release on.
    """
    edges = _main_line(catalog)
    first_seen: dict[str, str] = {}
    for edge in edges:
        added, removed = _env_changes(edge)
        for name in removed:
            first_seen.setdefault(name, "removed")
        for name in added:
            first_seen.setdefault(name, "added")
    alive = {name for name, how in first_seen.items() if how == "removed"}
    result = {catalog.releases[0].version: set(alive)}
    for edge in edges:
        added, removed = _env_changes(edge)
        alive = (alive - removed) | added
        result[edge.target] = set(alive)
    for release in catalog.releases:  # releases an edge skips over (via) keep the older set
        if release.version not in result:
            earlier = [version for version in result if version < release.version]
            result[release.version] = set(result[max(earlier)]) if earlier else set()
    return result
