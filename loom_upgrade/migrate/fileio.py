"""Reading and atomically writing the operator's files.

A write goes to a temporary file in the same folder, is flushed with fsync, renamed over
the original and the folder is synced, so a crash leaves either the old or the new file.
The file keeps its mode and owner, and a symlink stays a symlink: the target is written.
``write_batch`` makes the writes of one command all-or-nothing.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import tempfile
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from loom_upgrade.errors import MigrationError
from loom_upgrade.i18n import _

log = logging.getLogger(__name__)


def read_text(path: Path) -> str:
    """Return the file's text decoded as UTF-8 with line endings untouched."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MigrationError(
            _("cannot read {path}: {reason}").format(path=path, reason=exc.strerror or exc),
            path=path,
            fix=_("Check that the file exists and is readable by this user."),
        ) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise MigrationError(
            _("{path} is not valid UTF-8 (byte {offset})").format(path=path.name, offset=exc.start),
            path=path,
            line=line,
            fix=_("Save the file as UTF-8 and run the command again."),
        ) from exc


@dataclass
class _Write:
    path: Path
    text: str
    mode: int


_batch: ContextVar[list[_Write] | None] = ContextVar("loom_upgrade_write_batch", default=None)


@contextlib.contextmanager
def write_batch() -> Iterator[None]:
    """Hold every ``write_text_atomic`` inside the block and apply them together at its end.

    Nothing is written when the block raises. When one write fails, the files already
    written get their old bytes back (new files are removed) before the error is raised,
    so a failed command leaves every file as it was.
    """
    if _batch.get() is not None:
        yield  # an inner batch joins the outer one, which writes everything at its end
        return
    writes: list[_Write] = []
    token = _batch.set(writes)
    try:
        yield
    finally:
        _batch.reset(token)
    _commit(writes)


def write_text_atomic(path: Path, text: str, *, mode: int = 0o644) -> None:
    """Replace the file's content with ``text`` (UTF-8) atomically, keeping mode and owner.

    ``mode`` applies only when the file does not exist yet. Inside ``write_batch`` the
    write is queued until the batch ends.
    """
    pending = _batch.get()
    if pending is not None:
        pending.append(_Write(Path(path), text, mode))
        return
    _replace(Path(path), text.encode("utf-8"), mode)


def _commit(writes: list[_Write]) -> None:
    for write in writes:
        _check_writable(write.path)
    done: list[tuple[Path, bytes | None]] = []
    for write in writes:
        target = Path(os.path.realpath(write.path))
        old = target.read_bytes() if target.exists() else None
        try:
            _replace(write.path, write.text.encode("utf-8"), write.mode)
        except MigrationError:
            _restore(done)
            raise
        done.append((write.path, old))


def _restore(done: list[tuple[Path, bytes | None]]) -> None:
    for path, old in reversed(done):
        try:
            if old is None:
                os.unlink(path)
            else:
                _replace(path, old, 0o644)
            log.info("restored %s after a failed write", path)
        except (OSError, MigrationError):
            log.error("could not restore %s after a failed write", path, exc_info=True)


def _check_writable(path: Path) -> None:
    # access(2) reports read-only mounts (EROFS) and immutable files (EPERM) too, so most
    # failures are found before the first file changes; _commit still restores on the rest.
    target = Path(os.path.realpath(path))
    for candidate in (target, target.parent):
        if candidate.exists() and not os.access(candidate, os.W_OK):
            code = errno.EROFS if os.statvfs(candidate).f_flag & os.ST_RDONLY else errno.EACCES
            error = OSError(code, os.strerror(code), str(candidate))
            raise write_error(Path(path) if candidate == target else candidate, error)


def _replace(path: Path, data: bytes, mode: int) -> None:
    target = Path(os.path.realpath(path))
    folder = target.parent
    temp_name: str | None = None
    try:
        try:
            info: os.stat_result | None = target.stat()
        except FileNotFoundError:
            info = None
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if info is not None:
            os.chmod(temp_name, info.st_mode & 0o7777)
            with contextlib.suppress(PermissionError):
                os.chown(temp_name, info.st_uid, info.st_gid)
        else:
            os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except OSError as exc:
        if temp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
        raise write_error(path, exc) from exc
    _fsync_folder(folder)
    log.info("wrote %s", target)


def write_error(path: Path, exc: OSError) -> MigrationError:
    """Return the error for a file that cannot be written, with a fix for its cause."""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EROFS:
        fix = _("The file system holding {path} is mounted read-only: remount it read-write or copy the home elsewhere, then run the command again.")
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = _("The disk holding {path} is full: free some space, then run the command again.")
    elif exc.errno in (errno.EACCES, errno.EPERM):
        fix = _("Make {path} and its folder writable by this user (check the owner, the mode and chattr -i), then run the command again.")
    else:
        fix = _("Check the free space and the permissions of the folder of {path}, then run the command again.")
    return MigrationError(
        _("cannot write {path}: {reason}; no file was changed").format(path=path, reason=reason),
        path=path,
        fix=fix.format(path=path),
    )


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; some file systems refuse fsync on a folder.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
