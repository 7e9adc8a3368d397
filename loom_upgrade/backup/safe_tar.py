"""Checks every member of a tar archive before anything is extracted, then extracts safely.

An archive is accepted only when no member could write outside the destination folder.
So it must have no absolute names, no ``..`` components and no links whose target leaves
the tree. No member may be written through a symlink that an earlier member created, a
hard link must point to an earlier member, and device files and FIFOs are rejected. Any bad member rejects the whole
archive; extraction then runs with ``tarfile``'s ``data`` filter as a second line of defence.
"""

from __future__ import annotations

import posixpath
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from loom_upgrade.errors import BackupError
from loom_upgrade.i18n import _


@dataclass(frozen=True)
class BadMember:
    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


def find_bad_members(members: Iterable[tarfile.TarInfo]) -> list[BadMember]:
    """Return every member that must not be extracted, with the reason, in archive order."""
    bad: list[BadMember] = []
    symlinks: set[str] = set()
    seen: set[str] = set()
    for member in members:
        reason = _member_problem(member, symlinks, seen)
        if reason is not None:
            bad.append(BadMember(member.name, reason))
        normalised = posixpath.normpath(member.name)
        seen.add(normalised)
        if member.issym():
            symlinks.add(normalised)
    return bad


def _member_problem(member: tarfile.TarInfo, symlinks: set[str], seen: set[str]) -> str | None:
    name = member.name
    if not name or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return _("absolute path")
    if ".." in name.replace("\\", "/").split("/"):
        return _("path contains '..'")
    normalised = posixpath.normpath(name)
    if member.ischr() or member.isblk():
        return _("device file")
    if member.isfifo():
        return _("FIFO (named pipe)")
    if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
        return _("unsupported member type")
    through = _through_symlink(normalised, symlinks)
    if through is not None:
        return _("written through the symlink {link} created by an earlier member").format(link=through)
    if member.issym():
        return _link_problem(normalised, member.linkname, relative_to_member=True, kind=_("symlink"))
    if member.islnk():
        problem = _link_problem(normalised, member.linkname, relative_to_member=False, kind=_("hard link"))
        if problem is None and posixpath.normpath(member.linkname) not in seen:
            return _("hard link to {target}, which is not an earlier member").format(target=member.linkname)
        return problem
    return None


def _through_symlink(name: str, symlinks: set[str]) -> str | None:
    parts = name.split("/")
    for index in range(1, len(parts)):
        prefix = "/".join(parts[:index])
        if prefix in symlinks:
            return prefix
    return None


def _link_problem(name: str, target: str, *, relative_to_member: bool, kind: str) -> str | None:
    """Say why a link whose target is ``target`` would point outside the tree, or None."""
    if not target or target.startswith(("/", "\\")):
        return _("{kind} points outside the archive: {target}").format(kind=kind, target=target)
    base = posixpath.dirname(name) if relative_to_member else ""
    resolved = posixpath.normpath(posixpath.join(base, target))
    if resolved == ".." or resolved.startswith("../"):
        return _("{kind} points outside the archive: {target}").format(kind=kind, target=target)
    return None


def reject_if_bad(archive: Path, bad: list[BadMember]) -> None:
    """Raise one ``BackupError`` listing every bad member of ``archive``, when there is any."""
    if not bad:
        return
    listing = "\n".join(f"  {item}" for item in bad)
    raise BackupError(
        _("The archive {archive} was rejected before anything was extracted: {count} unsafe members.\n{listing}").format(
            archive=archive, count=len(bad), listing=listing
        ),
        path=archive,
        fix=_("Do not restore this archive; restore another verified backup (`loom-upgrade backup list`)."),
    )


def check_archive(archive: Path) -> list[tarfile.TarInfo]:
    """Read every member header of ``archive``; raise ``BackupError`` if any member is unsafe."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(
            _("The archive {archive} cannot be read: {error}.").format(archive=archive, error=exc),
            path=archive,
            fix=_("Restore another verified backup (`loom-upgrade backup list`)."),
        ) from exc
    reject_if_bad(archive, find_bad_members(members))
    return members


def extract_checked(archive: Path, destination: Path) -> list[tarfile.TarInfo]:
    """Check every member of ``archive``, then extract all of it into ``destination``."""
    members = check_archive(archive)
    try:
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(destination, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(
            _("Extracting {archive} failed: {error}.").format(archive=archive, error=exc),
            path=archive,
            fix=_("Restore another verified backup (`loom-upgrade backup list`)."),
        ) from exc
    return members
