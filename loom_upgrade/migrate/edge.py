"""``apply_edge``: run one catalog edge's file migrations on a LOOM home.

Every kind is first computed without writing, so an invalid operation or a failed
round-trip check in any file stops the edge before any file changes. Only then are the
files written, each atomically, in one ``write_batch``: a failed write restores the
files already written.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loom_upgrade.errors import MigrationError
from loom_upgrade.i18n import _
from loom_upgrade.migrate.canon import migrate_canon
from loom_upgrade.migrate.config import migrate_config_file
from loom_upgrade.migrate import fileio
from loom_upgrade.migrate.env import migrate_env_file, migrate_env_text
from loom_upgrade.migrate.plugins import migrate_plugins
from loom_upgrade.migrate.report import FileReport, MigrationReport, unified_diff

log = logging.getLogger(__name__)

KINDS = ("config", "env", "canon", "plugins")
CONFIG_FILE = Path("config") / "default_config.yaml"
ENV_FILE = Path(".env")
CANON_DIR = Path("canon")
PLUGINS_DIR = Path("plugins")


def apply_edge(
    home: Path, edge: Mapping[str, Any], *, dry_run: bool = False, only: set[str] | None = None
) -> MigrationReport:
    """Apply the config, env, canon and plugin migrations of one raw catalog edge to ``home``.

    ``only`` limits the kinds run (a subset of ``KINDS``). With ``dry_run`` nothing is
    written and the report contains the diffs that would be applied.
    """
    home = Path(home)
    kinds = _kinds(only)
    report = _run(home, edge, kinds, dry_run=True)
    if dry_run:
        return report
    log.info("applying edge %s -> %s to %s", edge.get("from"), edge.get("to"), home)
    with fileio.write_batch():
        return _run(home, edge, kinds, dry_run=False)


def _kinds(only: set[str] | None) -> tuple[str, ...]:
    if only is None:
        return KINDS
    unknown = set(only) - set(KINDS)
    if unknown:
        raise MigrationError(
            _("unknown migration kind {kinds}: expected some of {names}").format(kinds=", ".join(sorted(unknown)), names=", ".join(KINDS)),
            fix=_("Name only config, env, canon or plugins."),
        )
    return tuple(kind for kind in KINDS if kind in only)


def _run(home: Path, edge: Mapping[str, Any], kinds: tuple[str, ...], *, dry_run: bool) -> MigrationReport:
    report = MigrationReport(dry_run=dry_run)
    if "config" in kinds and edge.get("config"):
        report.add(migrate_config_file(_existing(home / CONFIG_FILE), list(edge["config"]), dry_run=dry_run))
    if "env" in kinds and edge.get("env"):
        report.add(_migrate_env(home / ENV_FILE, list(edge["env"]), dry_run=dry_run))
    if "canon" in kinds and edge.get("canon"):
        report.extend(migrate_canon(home / CANON_DIR, list(edge["canon"]), dry_run=dry_run))
    if "plugins" in kinds and edge.get("plugins"):
        report.extend(migrate_plugins(
            home / PLUGINS_DIR, edge["plugins"], dry_run=dry_run, entry_points=edge.get("plugin_entry_points") or {}
        ))
    return report


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise MigrationError(
            _("{path} not found").format(path=path),
            path=path,
            fix=_("Point --home at a LOOM home (a folder with config/default_config.yaml)."),
        )
    return path


def _migrate_env(path: Path, operations: list[Mapping[str, Any]], *, dry_run: bool) -> FileReport:
    if path.exists() or path.is_symlink():
        return migrate_env_file(path, operations, dry_run=dry_run)
    # A home without .env gets one holding the release's new variables, readable by its owner only.
    new_text, report = migrate_env_text(path, "", operations)
    report.changed = bool(new_text)
    report.diff = unified_diff("", new_text, path.name)
    if report.changed and not dry_run:
        fileio.write_text_atomic(path, new_text, mode=0o600)
    return report
