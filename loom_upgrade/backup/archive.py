"""The home archive: config, ``.env``, canon and plugins in one deterministic ``tar.gz``.

Members are added in sorted order, owners are dropped and the gzip header carries no time
or file name, so two backups of the same tree (same contents and mtimes) are byte-identical.
Each regular file is hashed while it is streamed into the archive, so the manifest's
digests describe exactly the bytes archived even if the file changes meanwhile.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import stat
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from loom_upgrade.backup.fsutil import CHUNK_SIZE, open_private_file
from loom_upgrade.backup.model import HOME_ENTRIES
from loom_upgrade.backup.safe_tar import BadMember, find_bad_members
from loom_upgrade.errors import BackupError
from loom_upgrade.i18n import _

log = logging.getLogger(__name__)

FILE, DIRECTORY, SYMLINK = "file", "dir", "symlink"


class _HashingReader:
    """File wrapper that hashes what tarfile reads from it."""

    def __init__(self, handle: BinaryIO, progress: Callable[[int], None] | None) -> None:
        self._handle = handle
        self._progress = progress
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(size)
        self.digest.update(chunk)
        if self._progress is not None and chunk:
            self._progress(len(chunk))
        return chunk


def home_paths(home: Path) -> Iterator[Path]:
    """Yield every path under the archived entries of ``home``, parents first, sorted."""
    for entry in HOME_ENTRIES:
        top = home / entry
        if not os.path.lexists(top):
            continue
        yield top
        if top.is_dir() and not top.is_symlink():
            for folder, dirnames, filenames in os.walk(top):
                dirnames.sort()
                for name in sorted(dirnames + filenames):
                    yield Path(folder) / name


def write_home_archive(
    home: Path,
    target: Path,
    *,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Write the archive of ``home`` to ``target`` and return its members and archived entries.

    Raises ``BackupError`` when the tree contains something that a restore could not put
    back safely, such as a symlink pointing outside the home.
    """
    members: list[dict[str, Any]] = []
    infos: list[tarfile.TarInfo] = []
    with open_private_file(target) as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as zipped:
        with tarfile.open(fileobj=zipped, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for path in home_paths(home):
                info = _tar_info(home, path)
                if info is None:
                    continue
                infos.append(info)
                members.append(_add_member(tar, path, info, progress))
    _reject_unrestorable(home, find_bad_members(infos))
    entries = [entry for entry in HOME_ENTRIES if os.path.lexists(home / entry)]
    return members, entries


def _tar_info(home: Path, path: Path) -> tarfile.TarInfo | None:
    status = path.lstat()
    info = tarfile.TarInfo(path.relative_to(home).as_posix())
    info.mode = stat.S_IMODE(status.st_mode)
    info.mtime = int(status.st_mtime)
    if stat.S_ISREG(status.st_mode):
        info.type = tarfile.REGTYPE
        info.size = status.st_size
    elif stat.S_ISDIR(status.st_mode):
        info.type = tarfile.DIRTYPE
    elif stat.S_ISLNK(status.st_mode):
        info.type = tarfile.SYMTYPE
        info.linkname = os.readlink(path)
    else:
        # Sockets, FIFOs and devices hold no data a restore could bring back.
        log.warning("Skipping %s: not a regular file, folder or symlink", path)
        return None
    return info


def _add_member(
    tar: tarfile.TarFile, path: Path, info: tarfile.TarInfo, progress: Callable[[int], None] | None
) -> dict[str, Any]:
    record: dict[str, Any] = {"name": info.name, "mode": info.mode}
    if info.isfile():
        with path.open("rb") as handle:
            reader = _HashingReader(handle, progress)
            tar.addfile(info, reader)
        record.update(type=FILE, size=info.size, sha256=reader.digest.hexdigest())
    elif info.isdir():
        tar.addfile(info)
        record.update(type=DIRECTORY)
    else:
        tar.addfile(info)
        record.update(type=SYMLINK, linkname=info.linkname)
    return record


def _reject_unrestorable(home: Path, bad: list[BadMember]) -> None:
    if not bad:
        return
    listing = "\n".join(f"  {item}" for item in bad)
    raise BackupError(
        _("The home {home} contains entries that a restore could not bring back safely:\n{listing}").format(
            home=home, listing=listing
        ),
        path=home,
        fix=_("Replace each listed symlink with a copy of what it points to (or a link inside the home), then run the backup again."),
    )


def archive_members(archive: Path) -> Iterator[tuple[tarfile.TarInfo, str | None]]:
    """Stream ``archive`` and yield each member with the sha256 of its content (files only)."""
    with tarfile.open(archive, "r|gz") as tar:
        for info in tar:
            digest = None
            if info.isfile():
                handle = tar.extractfile(info)
                hasher = hashlib.sha256()
                assert handle is not None
                while chunk := handle.read(CHUNK_SIZE):
                    hasher.update(chunk)
                digest = hasher.hexdigest()
            yield info, digest


def member_record(info: tarfile.TarInfo, digest: str | None) -> dict[str, Any]:
    """Describe an archive member the way the manifest lists it."""
    record: dict[str, Any] = {"name": info.name, "mode": info.mode}
    if info.isfile():
        record.update(type=FILE, size=info.size, sha256=digest)
    elif info.isdir():
        record.update(type=DIRECTORY)
    elif info.issym():
        record.update(type=SYMLINK, linkname=info.linkname)
    else:
        record.update(type="other")
    return record
