"""Restore of a backup into a LOOM home: validate everything first, then swap into place.

Order of work, so that a bad backup changes nothing:

1. verify the backup (digests, database check, archive members against the manifest);
2. check every archive member for unsafe names and links (one error lists them all);
3. extract into a temporary folder inside the home with ``tarfile``'s ``data`` filter;
4. restore the database (SQLite: backup API into a temporary file renamed over the
   database; PostgreSQL: ``pg_restore`` into a reset schema);
5. swap each archived entry (``config``, ``.env``, ``canon``, ``plugins``) into place with
   renames, and remove entries that did not exist when the backup was taken.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL

from loom_upgrade.backup import postgres_dump, sqlite_copy
from loom_upgrade.backup.create import db_kind, sqlite_path
from loom_upgrade.backup.fsutil import fsync_dir
from loom_upgrade.backup.model import HOME_ENTRIES, POSTGRESQL, SQLITE, BackupInfo, read_manifest
from loom_upgrade.backup.safe_tar import check_archive, extract_checked
from loom_upgrade.backup.verify import verify_backup
from loom_upgrade.errors import BackupError
from loom_upgrade.i18n import _

log = logging.getLogger(__name__)


@dataclass
class RestoreResult:
    backup: BackupInfo
    restored_entries: list[str] = field(default_factory=list)
    removed_entries: list[str] = field(default_factory=list)
    database: str | None = None

    def to_dict(self) -> dict:
        return {
            "backup": self.backup.to_dict(),
            "restored_entries": self.restored_entries,
            "removed_entries": self.removed_entries,
            "database": self.database,
        }


def restore_backup(backup: BackupInfo | Path, home: Path, *, db_url: str | URL | None) -> RestoreResult:
    """Restore ``backup`` into ``home`` and its database at ``db_url``.

    A bare ``.tar.gz`` archive (no manifest) restores only its files. Raises
    ``BackupError`` before changing anything when the backup does not verify or contains
    an unsafe archive member.
    """
    home = Path(home).resolve()
    info = backup if isinstance(backup, BackupInfo) else _load(Path(backup))
    result = RestoreResult(backup=info)
    archive = info.path if info.is_archive_only else info.path / info.manifest["home_archive"]["file"]
    # Unsafe members are listed one per line first; then digests and the database copy.
    check_archive(archive)
    verify_backup(info)
    if not info.is_archive_only and db_url is not None and db_kind(db_url) != info.db_kind:
        raise BackupError(
            _("The backup {id} contains a {backup_kind} database but the home uses {home_kind}.").format(
                id=info.id, backup_kind=info.db_kind, home_kind=db_kind(db_url)
            ),
            path=info.path,
            fix=_("Restore a backup made from this deployment's database, or point storage.url back at the database that was backed up."),
        )
    staging = Path(tempfile.mkdtemp(prefix=".loom-restore-", dir=home))
    try:
        extract_checked(archive, staging)
        if not info.is_archive_only and db_url is not None:
            result.database = _restore_database(info, home, db_url)
        entries, absent = _entries(info, staging)
        _give_to_home_owner(home, [staging / entry for entry in entries])
        _swap_entries(home, staging, entries, absent, result)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("Restored backup %s into %s", info.id, home)
    return result


def _load(path: Path) -> BackupInfo:
    if path.is_file():
        return BackupInfo(id=path.name, path=path, manifest=None)
    manifest = read_manifest(path)
    return BackupInfo(id=manifest["id"], path=path, manifest=manifest)


def _entries(info: BackupInfo, staging: Path) -> tuple[list[str], list[str]]:
    if info.is_archive_only:
        return sorted(os.listdir(staging)), []
    section = info.manifest["home_archive"]
    return list(section["entries"]), [entry for entry in section.get("absent", []) if entry in HOME_ENTRIES]


def _restore_database(info: BackupInfo, home: Path, db_url: str | URL) -> str:
    db = info.manifest["db"]
    copy = info.path / db["file"]
    if db["kind"] == SQLITE:
        target = sqlite_path(db_url, home)
        owner = target.stat() if target.exists() else None
        sqlite_copy.restore_database(copy, target, journal_mode=db.get("journal_mode"))
        if owner is not None and os.geteuid() == 0:
            # The restored file replaces the old one, so it keeps the old file's owner.
            os.chown(target, owner.st_uid, owner.st_gid)
        log.info("Restored SQLite database %s from %s", target, info.id)
        return str(target)
    if db["kind"] == POSTGRESQL:
        postgres_dump.restore(db_url, copy)
        log.info("Restored PostgreSQL database from %s", info.id)
        return db.get("url", "postgresql")
    raise BackupError(_("unknown database kind {kind}").format(kind=db["kind"]), path=info.path)


def _give_to_home_owner(home: Path, paths: list[Path]) -> None:
    """Chown extracted files to the home's owner when running as root.

    The ``data`` filter drops the archive's owners, so a restore run by root would
    otherwise leave root-owned files that a service running as the home's owner cannot
    write.
    """
    if os.geteuid() != 0:
        return
    status = home.stat()
    if status.st_uid == 0 and status.st_gid == 0:
        return
    for top in paths:
        for path in [top, *(top.rglob("*") if top.is_dir() and not top.is_symlink() else ())]:
            os.lchown(path, status.st_uid, status.st_gid)


def _swap_entries(home: Path, staging: Path, entries: list[str], absent: list[str], result: RestoreResult) -> None:
    """Replace each entry by a rename; the old entries go to a trash folder removed at the end."""
    trash = staging / ".previous"
    trash.mkdir()
    for entry in entries:
        current = home / entry
        if os.path.lexists(current):
            os.replace(current, trash / entry)
        os.replace(staging / entry, current)
        result.restored_entries.append(entry)
    for entry in absent:
        current = home / entry
        if os.path.lexists(current):
            os.replace(current, trash / entry)
            result.removed_entries.append(entry)
    fsync_dir(home)
