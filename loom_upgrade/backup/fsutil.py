"""Owner-only files and folders, chunked hashing and durable renames for backups.

Modes are set with ``chmod`` after creation because ``mkdir``/``open`` modes are masked by
the process umask, and a backup contains the operator's ``.env`` and database.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
CHUNK_SIZE = 1024 * 1024


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) and make it owner-only; return it."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)
    return path


def open_private_file(path: Path, mode: str = "wb"):
    """Open a new file for writing that only its owner can read, whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, mode)


def make_private_tree(root: Path) -> None:
    """Set 0700 on every folder and 0600 on every file under ``root`` (``root`` included)."""
    os.chmod(root, DIR_MODE)
    for folder, dirnames, filenames in os.walk(root):
        for name in dirnames:
            os.chmod(os.path.join(folder, name), DIR_MODE)
        for name in filenames:
            os.chmod(os.path.join(folder, name), FILE_MODE)


def sha256_file(path: Path, progress: Callable[[int], None] | None = None) -> tuple[str, int]:
    """Return the sha256 hex digest and the size of ``path``, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
            if progress is not None:
                progress(len(chunk))
    return digest.hexdigest(), size


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def durable_rename(source: Path, target: Path) -> None:
    """Rename ``source`` to ``target`` atomically and fsync their folder."""
    os.replace(source, target)
    fsync_dir(target.parent)
