"""Verification of a backup as a restore would need it, without changing anything.

Every file's sha256 and size must match the manifest. The SQLite copy must pass
``PRAGMA integrity_check`` opened on its own (no ``-wal``/``-shm`` beside it), or the
PostgreSQL dump must pass ``pg_restore --list``. The home archive's members must equal
the manifest's list, content digests included, and none may be unsafe to extract.
"""

from __future__ import annotations

import logging
import tarfile
from pathlib import Path

from loom_upgrade.backup import postgres_dump, sqlite_copy
from loom_upgrade.backup.archive import archive_members, member_record
from loom_upgrade.backup.fsutil import sha256_file
from loom_upgrade.backup.model import (
    POSTGRESQL,
    SQLITE,
    BackupInfo,
    Check,
    VerifyResult,
    read_manifest,
)
from loom_upgrade.backup.safe_tar import check_archive, find_bad_members
from loom_upgrade.errors import BackupError
from loom_upgrade.i18n import _

log = logging.getLogger(__name__)


def verify_backup(path: Path | BackupInfo) -> VerifyResult:
    """Verify the backup at ``path``; return every check, or raise ``BackupError`` naming each failure."""
    if isinstance(path, BackupInfo):
        info = path
    else:
        folder = Path(path)
        if folder.is_file():
            info = BackupInfo(id=folder.name, path=folder, manifest=None)
        else:
            manifest = read_manifest(folder)
            info = BackupInfo(id=manifest["id"], path=folder, manifest=manifest)
    result = VerifyResult(backup=info)
    if info.manifest is None:
        # A bare archive has no digests to check; an unsafe member raises the same
        # one-line-per-member error that a restore would.
        check_archive(info.path)
        result.checks.append(Check("archive members", True, _("no manifest; every member is safe to extract")))
    else:
        result.checks.extend(_check_files(info))
        if all(check.passed for check in result.checks):
            result.checks.append(_check_database(info))
            result.checks.append(_check_archive(info))
    failed = [check for check in result.checks if not check.passed]
    if failed:
        listing = "\n".join(f"  {check.name}: {check.detail}" for check in failed)
        raise BackupError(
            _("The backup {id} failed verification:\n{listing}").format(id=info.id, listing=listing),
            path=info.path,
            fix=_("Do not restore this backup. Restore another one (`loom-upgrade backup list`) or create a new one with `loom-upgrade backup create`."),
        )
    log.info("Backup %s verified: %d checks passed", info.id, len(result.checks))
    return result


def _check_files(info: BackupInfo) -> list[Check]:
    checks = []
    for name, expected in sorted(info.manifest["files"].items()):
        path = info.path / name
        if not path.is_file():
            checks.append(Check(f"sha256 {name}", False, _("file is missing")))
            continue
        digest, size = sha256_file(path)
        if size != expected["size"]:
            checks.append(Check(f"sha256 {name}", False, _("size is {size} bytes, the manifest says {expected}").format(
                size=size, expected=expected["size"])))
        elif digest != expected["sha256"]:
            checks.append(Check(f"sha256 {name}", False, _("sha256 does not match the manifest")))
        else:
            checks.append(Check(f"sha256 {name}", True, digest))
    return checks


def _check_database(info: BackupInfo) -> Check:
    db = info.manifest["db"]
    path = info.path / db["file"]
    if db["kind"] == SQLITE:
        sides = [side.name for side in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")) if side.exists()]
        if sides:
            return Check("integrity_check", False, _("{files} lie beside the copy, so it is not self-contained").format(
                files=", ".join(sides)))
        problems = sqlite_copy.integrity_problems(path)
        if problems:
            return Check("integrity_check", False, "; ".join(problems[:5]))
        return Check("integrity_check", True, "ok")
    if db["kind"] == POSTGRESQL:
        try:
            entries = postgres_dump.list_dump(path)
        except BackupError as exc:
            return Check("pg_restore --list", False, exc.message)
        tables = sum(1 for line in entries if " TABLE DATA " in line)
        return Check("pg_restore --list", True, _("{count} tables with data").format(count=tables))
    return Check("database", False, _("unknown database kind {kind}").format(kind=db["kind"]))


def _check_archive(info: BackupInfo) -> Check:
    section = info.manifest["home_archive"]
    archive = info.path / section["file"]
    expected = {member["name"]: member for member in section["members"]}
    seen: set[str] = set()
    problems: list[str] = []
    infos: list[tarfile.TarInfo] = []
    try:
        for member, digest in archive_members(archive):
            infos.append(member)
            record = member_record(member, digest)
            want = expected.get(member.name)
            if want is None:
                problems.append(_("{name}: not in the manifest").format(name=member.name))
            elif record != want:
                problems.append(_("{name}: differs from the manifest").format(name=member.name))
            seen.add(member.name)
    except (tarfile.TarError, OSError, EOFError) as exc:
        return Check("archive members", False, _("the archive cannot be read: {error}").format(error=exc))
    problems.extend(_("{name}: missing from the archive").format(name=name) for name in sorted(set(expected) - seen))
    problems.extend(str(bad) for bad in find_bad_members(infos))
    if problems:
        return Check("archive members", False, "; ".join(problems[:10]))
    return Check("archive members", True, _("{count} members").format(count=len(seen)))
