"""What a backup is on disk: its folder layout, its manifest, and the records the API returns.

A backup is a folder ``<state>/backups/<id>/`` holding:

- ``manifest.json``: the release, DB revision and kind, the home path, creation time and
  tool version. It also lists the sha256 and size of every other file, every member of the
  home archive, and per-table row marks that show which rows were written later;
- ``db/loom.db`` (SQLite copy made with the online backup API) or ``db/loom.dump``
  (``pg_dump -Fc``);
- ``home.tar.gz``: config, ``.env``, canon and plugins.

A folder named ``<id>.partial`` is a backup still being written (or abandoned by a crash);
a folder without that suffix was complete and verified when it was renamed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loom_upgrade.errors import BackupError
from loom_upgrade.i18n import _

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
ARCHIVE_NAME = "home.tar.gz"
SQLITE_COPY_NAME = "db/loom.db"
POSTGRES_DUMP_NAME = "db/loom.dump"
PARTIAL_SUFFIX = ".partial"
OWNER_FILE = ".owner"

# Entries of a home that the archive contains, relative to the home. The database is backed
# up on its own, venv/ is kept aside by the artifact switch, and .loom-upgrade/ is ours.
HOME_ENTRIES = ("config", ".env", "canon", "plugins")

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


@dataclass(frozen=True)
class BackupInfo:
    """One backup: a verified backup folder, or a bare ``.tar.gz`` home archive."""

    id: str
    path: Path
    manifest: dict[str, Any] | None

    @property
    def is_archive_only(self) -> bool:
        return self.manifest is None

    @property
    def release(self) -> str | None:
        return self.manifest.get("release") if self.manifest else None

    @property
    def db_revision(self) -> str | None:
        return self.manifest.get("db_revision") if self.manifest else None

    @property
    def db_kind(self) -> str | None:
        return self.manifest["db"]["kind"] if self.manifest else None

    @property
    def created_at(self) -> str | None:
        return self.manifest.get("created_at") if self.manifest else None

    @property
    def size(self) -> int:
        """Total bytes of the backup's files, manifest excluded."""
        if self.manifest is None:
            return self.path.stat().st_size
        return sum(int(entry["size"]) for entry in self.manifest["files"].values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": str(self.path),
            "release": self.release,
            "db_revision": self.db_revision,
            "db_kind": self.db_kind,
            "created_at": self.created_at,
            "size": self.size,
            "archive_only": self.is_archive_only,
        }


@dataclass(frozen=True)
class Check:
    """One verification check: its name, whether it passed, and what was found."""

    name: str
    passed: bool
    detail: str = ""


@dataclass
class VerifyResult:
    backup: BackupInfo
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "backup": self.backup.to_dict(),
            "passed": self.passed,
            "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in self.checks],
        }


def read_manifest(folder: Path) -> dict[str, Any]:
    """Load and shape-check ``folder/manifest.json``; raise ``BackupError`` when unusable."""
    path = folder / MANIFEST_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise BackupError(
            _("The backup has no manifest.json, so it cannot be verified."),
            path=folder,
            fix=_("Use another backup (`loom-upgrade backup list`) or create a new one with `loom-upgrade backup create`."),
        ) from exc
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BackupError(
            _("The manifest is not valid JSON: {error}.").format(error=exc.msg),
            path=path,
            line=exc.lineno,
            fix=_("Use another backup (`loom-upgrade backup list`) or create a new one with `loom-upgrade backup create`."),
        ) from exc
    missing = [key for key in ("format", "id", "release", "db", "files", "home_archive") if key not in manifest]
    if missing or manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(
            _("The manifest is missing {keys} or has an unknown format.").format(keys=", ".join(missing) or "format"),
            path=path,
            fix=_("Use another backup (`loom-upgrade backup list`) or create a new one with `loom-upgrade backup create`."),
        )
    return manifest
