"""All-or-nothing writes: ``write_batch`` queues writes and restores written files on failure."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import pytest

from loom_upgrade.errors import MigrationError
from loom_upgrade.migrate import fileio
from tests.support.components import component_missing


@contextlib.contextmanager
def small_tmpfs(folder: Path):
    """Mount a 64 KiB tmpfs on ``folder`` (root only), unmounted at the end."""
    folder.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True, text=True)
    if result.returncode != 0:
        component_missing("tmpfs mount", result.stderr.strip() or "mount failed")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_batch_writes_at_end(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("old\n")
    with fileio.write_batch():
        fileio.write_text_atomic(path, "new\n")
        assert path.read_text() == "old\n"
    assert path.read_text() == "new\n"


def test_batch_error_writes_nothing(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("old\n")
    with pytest.raises(RuntimeError), fileio.write_batch():
        fileio.write_text_atomic(path, "new\n")
        raise RuntimeError("stop")
    assert path.read_text() == "old\n"


def test_disk_full_restores_written_files(tmp_path):
    first = tmp_path / "a.txt"
    first.write_text("old\n")
    created = tmp_path / "created.txt"
    with small_tmpfs(tmp_path / "full") as full:
        big = full / "big.txt"
        big.write_text("x\n")
        with pytest.raises(MigrationError) as caught, fileio.write_batch():
            fileio.write_text_atomic(first, "new\n")
            fileio.write_text_atomic(created, "new\n")
            fileio.write_text_atomic(big, "x" * 1_000_000)
        assert caught.value.message == f"cannot write {big}: No space left on device; no file was changed"
        assert caught.value.fix == f"The disk holding {big} is full: free some space, then run the command again."
        assert big.read_text() == "x\n"
        assert sorted(path.name for path in full.iterdir()) == ["big.txt"]
    assert first.read_text() == "old\n"
    assert not created.exists()
