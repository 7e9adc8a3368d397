"""Consistent copies of a live SQLite database through the online backup API.

The source connection keeps one read transaction open for the whole copy. In WAL mode that
pins a snapshot, so the copy contains every committed row (including rows still only in
``-wal``) while the service keeps writing. Pages are copied in chunks, so progress can be
shown and memory stays bounded. When the database is locked (``SQLITE_BUSY``) the copy
retries with a short sleep until ``timeout`` seconds have passed.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from loom_upgrade.backup.fsutil import durable_rename, fsync_file
from loom_upgrade.errors import BackupError
from loom_upgrade.i18n import _

log = logging.getLogger(__name__)

PAGES_PER_STEP = 1024
BUSY_SLEEP = 0.05
DEFAULT_TIMEOUT = 30.0
_BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)

# progress(pages_done, pages_total)
PageProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class SqliteCopy:
    path: Path
    pages: int
    journal_mode: str
    busy_retries: int


class _BusyTimeout(Exception):
    pass


def copy_database(
    source: Path,
    target: Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    progress: PageProgress | None = None,
) -> SqliteCopy:
    """Copy the database at ``source`` into the new file ``target`` and return what was copied.

    The copy is switched to ``journal_mode=DELETE`` so that it is one self-contained file
    that opens without ``-wal`` or ``-shm`` beside it.
    """
    if not source.is_file():
        raise BackupError(
            _("The SQLite database {path} does not exist.").format(path=source),
            path=source,
            fix=_("Check storage.path or storage.url in config/default_config.yaml."),
        )
    deadline = time.monotonic() + timeout
    retries = 0
    # timeout=0: busy results come back at once and are retried below, with logging.
    source_conn = sqlite3.connect(source, timeout=0, isolation_level=None)
    try:
        journal_mode, retries = _begin_read(source_conn, source, deadline)
        target_conn = sqlite3.connect(target, isolation_level=None)
        # The caller fsyncs the finished copy once; syncing after every step halves the speed.
        target_conn.execute("PRAGMA synchronous=OFF")
        try:
            pages, step_retries = _copy_pages(source_conn, target_conn, source, deadline, progress)
            retries += step_retries
            target_conn.execute("PRAGMA journal_mode=DELETE")
        finally:
            target_conn.close()
        source_conn.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        if _is_disk_error(exc):
            raise BackupError(
                _("Writing the database copy {path} failed: {error}.").format(path=target, error=exc),
                path=target,
                fix=_("Free disk space in {folder} (or fix its permissions), then run the backup again.").format(
                    folder=target.parent),
            ) from exc
        raise BackupError(
            _("Copying the SQLite database {path} failed: {error}.").format(path=source, error=exc),
            path=source,
            fix=_("Run `sqlite3 {path} 'PRAGMA integrity_check'`; restore the database from an earlier backup if it is damaged.").format(path=source),
        ) from exc
    finally:
        source_conn.close()
    return SqliteCopy(path=target, pages=pages, journal_mode=journal_mode, busy_retries=retries)


def _begin_read(conn: sqlite3.Connection, source: Path, deadline: float) -> tuple[str, int]:
    """Start the read transaction that pins the snapshot; retry while the database is locked."""
    # NOTE: outside WAL mode this read lock makes writers wait for the whole copy, so a
    # service still writing to a rollback-journal database may time out meanwhile.
    retries = 0
    while True:
        try:
            journal_mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            conn.execute("BEGIN")
            # A read transaction starts at the first read, so read something now.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return str(journal_mode).lower(), retries
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            retries += 1
            if time.monotonic() >= deadline:
                raise _timed_out(source, retries) from exc
            log.info("SQLite database %s is locked; retrying in %.2f s (retry %d)", source, BUSY_SLEEP, retries)
            time.sleep(BUSY_SLEEP)


def _copy_pages(
    source_conn: sqlite3.Connection,
    target_conn: sqlite3.Connection,
    source: Path,
    deadline: float,
    progress: PageProgress | None,
) -> tuple[int, int]:
    state = {"retries": 0, "total": 0}

    def on_step(status: int, remaining: int, total: int) -> None:
        state["total"] = total
        if status in _BUSY_CODES:
            # sqlite3.Connection.backup sleeps `sleep` seconds and retries by itself after
            # a busy step; the timeout is enforced here because it has none of its own.
            state["retries"] += 1
            log.info("SQLite backup step of %s was busy; retrying (retry %d)", source, state["retries"])
            if time.monotonic() >= deadline:
                raise _BusyTimeout()
            return
        if progress is not None:
            progress(total - remaining, total)

    try:
        source_conn.backup(target_conn, pages=PAGES_PER_STEP, progress=on_step, sleep=BUSY_SLEEP)
    except _BusyTimeout as exc:
        raise _timed_out(source, state["retries"]) from exc
    return state["total"], state["retries"]


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _BUSY_CODES
    return "locked" in str(exc) or "busy" in str(exc)


def _is_disk_error(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY)
    return "disk" in str(exc)


def _timed_out(source: Path, retries: int) -> BackupError:
    return BackupError(
        _("The SQLite database {path} stayed locked for the whole timeout ({retries} retries).").format(
            path=source, retries=retries
        ),
        path=source,
        fix=_("Stop the process that holds the write lock (a long transaction or an exclusive lock), then run the backup again."),
    )


def integrity_problems(path: Path) -> list[str]:
    """Return the lines of ``PRAGMA integrity_check`` that are not ``ok`` for the file at ``path``.

    The file is opened read-only and ``immutable`` so that checking it never creates
    ``-wal`` or ``-shm`` files beside it.
    """
    conn = sqlite3.connect(_readonly_uri(path), uri=True)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        conn.close()
    return [str(row[0]) for row in rows if row[0] != "ok"]


def restore_database(copy: Path, target: Path, *, journal_mode: str | None = None) -> None:
    """Replace the database at ``target`` with the backup ``copy``, atomically.

    The copy is written through the backup API into a temporary file beside ``target``,
    then renamed over it. Stale ``-wal`` and ``-shm`` files of the old database are removed
    first: SQLite would otherwise replay the old WAL into the restored file.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".restore-partial")
    for leftover in (temporary, *_side_files(temporary)):
        leftover.unlink(missing_ok=True)
    source_conn = sqlite3.connect(_readonly_uri(copy), uri=True)
    target_conn = sqlite3.connect(temporary, isolation_level=None)
    # One fsync of the finished file below replaces SQLite's per-step syncs.
    target_conn.execute("PRAGMA synchronous=OFF")
    try:
        source_conn.backup(target_conn, pages=PAGES_PER_STEP)
        if journal_mode and journal_mode in ("wal", "delete", "truncate", "persist"):
            target_conn.execute(f"PRAGMA journal_mode={journal_mode}")
    finally:
        target_conn.close()
        source_conn.close()
    # Closing the last connection checkpointed and removed the temporary file's own -wal;
    # these unlinks only matter after a crash.
    for side in _side_files(temporary):
        side.unlink(missing_ok=True)
    fsync_file(temporary)
    for side in _side_files(target):
        side.unlink(missing_ok=True)
    durable_rename(temporary, target)


def _readonly_uri(path: Path) -> str:
    return "file:" + quote(str(path.resolve())) + "?mode=ro&immutable=1"


def _side_files(path: Path) -> tuple[Path, Path, Path]:
    return (
        path.with_name(path.name + "-wal"),
        path.with_name(path.name + "-shm"),
        path.with_name(path.name + "-journal"),
    )
