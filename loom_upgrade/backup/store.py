"""Listing, finding and pruning the backups of a state folder.

A backup is protected from pruning while a run that has not finished references it: the
engine journals, for each run, a record ``{"type": "backup", "id": <backup id>, ...}``
and ends the run with a ``{"type": "run-end", ...}`` record. A run without ``run-end``
(still running, or killed) may still need its backup to resume or roll back.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from loom_upgrade.backup.create import backups_dir
from loom_upgrade.backup.model import OWNER_FILE, PARTIAL_SUFFIX, BackupInfo, read_manifest
from loom_upgrade.errors import BackupError
from loom_upgrade.i18n import _

log = logging.getLogger(__name__)


def list_backups(state_dir: Path) -> list[BackupInfo]:
    """Return every complete backup under ``state_dir``, oldest first; unreadable ones are logged and skipped."""
    root = backups_dir(state_dir)
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or folder.name.endswith(PARTIAL_SUFFIX):
            continue
        try:
            manifest = read_manifest(folder)
        except BackupError as exc:
            log.warning("Skipping %s: %s", folder, exc.message)
            continue
        found.append(BackupInfo(id=manifest["id"], path=folder, manifest=manifest))
    return sorted(found, key=lambda info: (info.created_at or "", info.id))


def resolve_backup(state_dir: Path, path_or_id: str | Path) -> BackupInfo:
    """Find a backup by id (or unique id prefix) in ``state_dir``, or by path to a folder or ``.tar.gz``."""
    text = str(path_or_id)
    candidate = Path(text).expanduser()
    if candidate.is_dir():
        manifest = read_manifest(candidate)
        return BackupInfo(id=manifest["id"], path=candidate.resolve(), manifest=manifest)
    if candidate.is_file() and (text.endswith((".tar.gz", ".tgz", ".tar"))):
        return BackupInfo(id=candidate.name, path=candidate.resolve(), manifest=None)
    backups = list_backups(state_dir)
    matches = [info for info in backups if info.id == text] or [info for info in backups if info.id.startswith(text)]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(info.id for info in reversed(backups[-5:])) or _("none")
    if not matches:
        raise BackupError(
            _("No backup {name} was found: it is neither a backup folder, a .tar.gz archive nor a backup id in {folder}.").format(
                name=text, folder=backups_dir(state_dir)
            ),
            fix=_("Pass a path or one of the ids that `loom-upgrade backup list` shows (newest first: {known}).").format(known=known),
        )
    raise BackupError(
        _("The id prefix {name} matches {count} backups.").format(name=text, count=len(matches)),
        fix=_("Pass the whole id, as `loom-upgrade backup list` shows it."),
    )


def referenced_by_unfinished_runs(state_dir: Path) -> set[str]:
    """Ids of backups that a journaled run without a ``run-end`` record refers to."""
    folder = Path(state_dir) / "journal"
    referenced: set[str] = set()
    if not folder.is_dir():
        return referenced
    for journal in sorted(folder.glob("*.jsonl")):
        ids: set[str] = set()
        finished = False
        with journal.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a torn last line after a crash
                if not isinstance(record, dict):
                    continue
                if record.get("type") == "backup":
                    ids.update(str(record[key]) for key in ("id", "backup_id") if record.get(key))
                    if record.get("path"):
                        ids.add(Path(str(record["path"])).name)
                elif record.get("type") == "run-end":
                    finished = True
        if not finished:
            referenced |= ids
    return referenced


@dataclass(frozen=True)
class PruneResult:
    removed: list[BackupInfo]
    kept: list[BackupInfo]
    removed_partial: list[Path]
    kept_as_newest: str | None = None  # id kept beyond --keep because the newest is always kept
    kept_for_runs: tuple[str, ...] = ()  # ids kept beyond --keep because an unfinished run needs them

    def to_dict(self) -> dict:
        return {
            "removed": [info.to_dict() for info in self.removed],
            "kept": [info.to_dict() for info in self.kept],
            "removed_partial": [str(path) for path in self.removed_partial],
            "kept_as_newest": self.kept_as_newest,
            "kept_for_runs": list(self.kept_for_runs),
        }


def prune_backups(state_dir: Path, keep: int, *, dry_run: bool = False) -> PruneResult:
    """Remove all but the ``keep`` newest backups, and partial folders whose writer is gone.

    The newest backup and every backup an unfinished run references are always kept.
    """
    if keep < 0:
        raise BackupError(
            _("--keep must be 0 or more, not {keep}.").format(keep=keep),
            fix=_("Pass the number of newest backups to keep, for example --keep 3."),
        )
    backups = list_backups(state_dir)
    protected = referenced_by_unfinished_runs(state_dir)
    keep_ids = {info.id for info in backups[-keep:]} if keep else set()
    kept_as_newest = None
    if backups and backups[-1].id not in keep_ids:
        kept_as_newest = backups[-1].id
        keep_ids.add(kept_as_newest)
    removed, kept, kept_for_runs = [], [], []
    for info in backups:
        if info.id in keep_ids or info.id in protected:
            kept.append(info)
            if info.id not in keep_ids:
                kept_for_runs.append(info.id)
            continue
        removed.append(info)
        if not dry_run:
            log.info("Pruning backup %s", info.id)
            shutil.rmtree(info.path)
    partials = _abandoned_partials(state_dir)
    if not dry_run:
        for folder in partials:
            log.info("Removing abandoned partial backup %s", folder)
            shutil.rmtree(folder, ignore_errors=True)
    return PruneResult(
        removed=removed, kept=kept, removed_partial=partials,
        kept_as_newest=kept_as_newest, kept_for_runs=tuple(kept_for_runs),
    )


def _abandoned_partials(state_dir: Path) -> list[Path]:
    root = backups_dir(state_dir)
    if not root.is_dir():
        return []
    abandoned = []
    for folder in sorted(root.glob(f"*{PARTIAL_SUFFIX}")):
        owner = folder / OWNER_FILE
        try:
            pid = int(owner.read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            pid = None
        if pid is None or not _alive(pid):
            abandoned.append(folder)
    return abandoned


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
