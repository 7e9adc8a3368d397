"""Reading and atomically writing the operator's files.

A write goes to a temporary file in the same folder, is flushed with fsync, renamed over
the original and the folder is synced, so a crash leaves either the old or the new file.
The file keeps its mode and owner, and a symlink stays a symlink: the target is written.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
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


def write_text_atomic(path: Path, text: str) -> None:
    """Replace the file's content with ``text`` (UTF-8) atomically, keeping mode and owner."""
    target = Path(os.path.realpath(path))
    folder = target.parent
    try:
        info = target.stat()
    except FileNotFoundError:
        info = None
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(text.encode("utf-8"))
            stream.flush()
            os.fsync(stream.fileno())
        if info is not None:
            os.chmod(temp_name, info.st_mode & 0o7777)
            with contextlib.suppress(PermissionError):
                os.chown(temp_name, info.st_uid, info.st_gid)
        else:
            os.chmod(temp_name, 0o644)
        os.replace(temp_name, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise MigrationError(
            _("cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc),
            path=path,
            fix=_("Check the free space and the permissions of the folder, then run the command again."),
        ) from exc
    _fsync_folder(folder)
    log.info("wrote %s", target)


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; some file systems refuse fsync on a folder.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
