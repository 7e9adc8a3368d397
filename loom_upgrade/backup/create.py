"""Creation of a verified backup of a LOOM home.

Phases: prepare the ``<id>.partial`` folder, copy the database (SQLite backup API or
``pg_dump -Fc``), archive the home files, write the manifest, verify everything as a
reader would, and only then rename the folder to ``<id>``. Any failure removes the
partial folder, so an unfinished backup is never mistaken for a usable one.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from loom_upgrade.backup import postgres_dump, sqlite_copy
from loom_upgrade.backup.archive import write_home_archive
from loom_upgrade.backup.fsutil import (
    durable_rename,
    fsync_dir,
    fsync_file,
    make_private_dir,
    make_private_tree,
    open_private_file,
    sha256_file,
)
from loom_upgrade.backup.model import (
    ARCHIVE_NAME,
    HOME_ENTRIES,
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    OWNER_FILE,
    PARTIAL_SUFFIX,
    POSTGRES_DUMP_NAME,
    POSTGRESQL,
    SQLITE,
    SQLITE_COPY_NAME,
    BackupInfo,
)
from loom_upgrade.errors import BackupError
from loom_upgrade.i18n import _

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """One progress event: the phase (``database``, ``files``, ``verify``), units done and total."""

    phase: str
    done: int
    total: int | None
    unit: str  # "pages" or "bytes"


ProgressCallback = Callable[[Progress], None]


def backups_dir(state_dir: Path) -> Path:
    return Path(state_dir) / "backups"


def new_backup_id(release: str) -> str:
    """Return an id that sorts by creation time: ``20261204T203102Z-1.0.0-3fa2``."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return f"{stamp}-{release}-{secrets.token_hex(2)}"


def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("loom-narrative")
    except PackageNotFoundError:
        return "unknown"


def sqlite_path(db_url: str | URL, home: Path) -> Path:
    """Return the database file of a SQLite URL; a relative path is relative to ``home``."""
    url = make_url(db_url)
    if not url.database or url.database == ":memory:":
        raise BackupError(
            _("The SQLite URL {url} names no database file.").format(url=url.render_as_string(hide_password=True)),
            fix=_("Set storage.url in config/default_config.yaml to a file, for example sqlite:///data/loom.db."),
        )
    path = Path(url.database)
    return path if path.is_absolute() else Path(home) / path


def db_kind(db_url: str | URL) -> str:
    backend = make_url(db_url).get_backend_name()
    if backend == "sqlite":
        return SQLITE
    if backend in ("postgresql", "postgres"):
        return POSTGRESQL
    raise BackupError(
        _("Backups of {backend} databases are not supported; LOOM stores data in SQLite or PostgreSQL.").format(
            backend=backend
        ),
        fix=_("Set storage.url in config/default_config.yaml to a sqlite:/// or postgresql+psycopg:// URL."),
    )


def create_backup(
    home: Path,
    *,
    state_dir: Path,
    db_url: str | URL,
    release: str,
    db_revision: str | None,
    progress: ProgressCallback | None = None,
    busy_timeout: float = sqlite_copy.DEFAULT_TIMEOUT,
) -> BackupInfo:
    """Back up the database and files of ``home`` into ``<state_dir>/backups/<id>/``.

    Returns the verified backup. Raises ``BackupError`` (and leaves no folder behind) when
    any part cannot be copied or does not verify.
    """
    from loom_upgrade.backup.verify import verify_backup

    home = Path(home).resolve()
    kind = db_kind(db_url)
    backup_id = new_backup_id(release)
    root = make_private_dir(backups_dir(state_dir))
    partial = root / f"{backup_id}{PARTIAL_SUFFIX}"
    final = root / backup_id
    log.info("Creating backup %s of %s in %s", backup_id, home, partial)
    try:
        make_private_dir(partial)
        (partial / OWNER_FILE).write_text(str(os.getpid()), encoding="ascii")
        make_private_dir(partial / "db")
        db_section = (
            _backup_sqlite(sqlite_path(db_url, home), partial, busy_timeout, progress)
            if kind == SQLITE
            else _backup_postgres(db_url, partial, progress)
        )
        members, entries = write_home_archive(
            home, partial / ARCHIVE_NAME, progress=_byte_counter(progress, "files", _tree_size(home))
        )
        manifest = _manifest(
            backup_id, home, release, db_revision, db_section, members, entries, partial,
            [db_section["file"], ARCHIVE_NAME], progress,
        )
        _write_manifest(partial, manifest)
        make_private_tree(partial)
        verify_backup(partial)
        durable_rename(partial, final)
        # The owner file stays until the rename so that prune never takes a backup being
        # verified for an abandoned one.
        (final / OWNER_FILE).unlink()
    except BackupError:
        _discard(partial)
        raise
    except (OSError, sqlite3.Error) as exc:
        _discard(partial)
        raise BackupError(
            _("Writing the backup into {folder} failed: {error}.").format(folder=partial, error=exc),
            path=partial,
            fix=_("Free disk space in {folder} (or fix its permissions), then run the backup again.").format(folder=root),
        ) from exc
    except BaseException:
        _discard(partial)
        raise
    log.info("Backup %s is complete and verified", backup_id)
    return BackupInfo(id=backup_id, path=final, manifest=manifest)


def _backup_sqlite(source: Path, partial: Path, timeout: float, progress: ProgressCallback | None) -> dict[str, Any]:
    target = partial / SQLITE_COPY_NAME
    # The copy is written under a .partial name and renamed once the backup API finished.
    writing = target.with_name(target.name + PARTIAL_SUFFIX)

    def on_pages(done: int, total: int) -> None:
        if progress is not None:
            progress(Progress("database", done, total, "pages"))

    with open_private_file(writing):
        pass  # create it owner-only before SQLite writes into it
    copy = sqlite_copy.copy_database(source, writing, timeout=timeout, progress=on_pages)
    fsync_file(writing)
    durable_rename(writing, target)
    marks = _sqlite_marks(target)
    return {
        "kind": SQLITE,
        "file": SQLITE_COPY_NAME,
        "source": str(source),
        "journal_mode": copy.journal_mode,
        "pages": copy.pages,
        "busy_retries": copy.busy_retries,
        "tables": marks,
    }


def _sqlite_marks(path: Path) -> dict[str, Any]:
    from loom_upgrade.verify.marks import table_marks
    from loom_upgrade.verify.tables import open_engine

    engine = open_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return table_marks(connection)
    finally:
        engine.dispose()


def _backup_postgres(db_url: str | URL, partial: Path, progress: ProgressCallback | None) -> dict[str, Any]:
    """Dump from an exported snapshot so the marks and the dump see exactly the same rows."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    from loom_upgrade.verify.marks import table_marks

    url = make_url(db_url)
    target = partial / POSTGRES_DUMP_NAME
    with open_private_file(target):
        pass
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as connection:
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            marks = table_marks(connection)
            postgres_dump.dump(
                url, target, snapshot=snapshot,
                progress=_byte_counter(progress, "database", None, absolute=True),
            )
            connection.rollback()
    except SQLAlchemyError as exc:
        raise BackupError(
            _("Reading the PostgreSQL database {url} failed: {error}").format(
                url=url.render_as_string(hide_password=True), error=postgres_dump.driver_message(exc)
            ),
            fix=_("Check that the database server is running and that the URL's user may read every table, then run the command again."),
        ) from exc
    finally:
        engine.dispose()
    return {
        "kind": POSTGRESQL,
        "file": POSTGRES_DUMP_NAME,
        "url": url.render_as_string(hide_password=True),
        "tables": marks,
    }


def _tree_size(home: Path) -> int:
    from loom_upgrade.backup.archive import home_paths

    return sum(path.lstat().st_size for path in home_paths(home) if path.is_file() and not path.is_symlink())


def _byte_counter(
    progress: ProgressCallback | None, phase: str, total: int | None, *, absolute: bool = False
) -> Callable[[int], None] | None:
    if progress is None:
        return None
    state = {"done": 0}

    def on_bytes(count: int) -> None:
        state["done"] = count if absolute else state["done"] + count
        progress(Progress(phase, state["done"], total, "bytes"))

    return on_bytes


def _manifest(
    backup_id: str, home: Path, release: str, db_revision: str | None, db_section: dict[str, Any],
    members: list[dict[str, Any]], entries: list[str], partial: Path, files: list[str],
    progress: ProgressCallback | None,
) -> dict[str, Any]:
    total = sum((partial / name).stat().st_size for name in files)
    counter = _byte_counter(progress, "verify", total)
    digests = {}
    for name in files:
        digest, size = sha256_file(partial / name, counter)
        digests[name] = {"sha256": digest, "size": size}
    return {
        "format": MANIFEST_FORMAT,
        "id": backup_id,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
        "tool_version": tool_version(),
        "release": release,
        "db_revision": db_revision,
        "home": str(home),
        "db": db_section,
        "home_archive": {
            "file": ARCHIVE_NAME,
            "entries": entries,
            "absent": [entry for entry in HOME_ENTRIES if entry not in entries],
            "members": members,
        },
        "files": digests,
    }


def _write_manifest(partial: Path, manifest: dict[str, Any]) -> None:
    path = partial / MANIFEST_NAME
    with open_private_file(path, "w") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    fsync_dir(partial)


def _discard(partial: Path) -> None:
    if partial.exists():
        log.warning("Removing the unfinished backup %s", partial)
        shutil.rmtree(partial, ignore_errors=True)
