"""A small reader of releases.yaml for code that must not load loom_upgrade's full catalog.

The runtime asks three things: which revision a release serves, how each revision is
marked (expand or contract, lossless or lossy downgrade), and which release is newest.
loom_upgrade validates the catalog against its schema; this reader trusts the checked-in
file and caches it for the life of the process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from packaging.version import Version
from ruamel.yaml import YAML

CATALOG_PATH = Path(__file__).with_name("releases.yaml")


@dataclass(frozen=True)
class RevisionMark:
    """How the catalog marks one Alembic revision."""

    id: str
    mark: str  # "expand" or "contract"
    down: str  # "lossless" or "lossy"
    summary: str


@lru_cache(maxsize=4)
def load_catalog(path: str | None = None) -> dict:
    """Return releases.yaml as plain Python data."""
    with open(path or CATALOG_PATH, encoding="utf-8") as handle:
        return YAML(typ="safe").load(handle)


def releases() -> list[dict]:
    """Return the catalog's releases, oldest first."""
    return sorted(load_catalog()["releases"], key=lambda release: Version(str(release["version"])))


def revision_for_release(version: str) -> str:
    """Return the Alembic revision that ``version`` serves; KeyError names the known releases."""
    for release in releases():
        if str(release["version"]) == str(version):
            return str(release["db_revision"])
    known = ", ".join(str(release["version"]) for release in releases())
    raise KeyError(f"release {version} is not in the catalog. Known releases: {known}")


def releases_for_revision(revision: str) -> list[str]:
    """Return every release that serves ``revision``, oldest first."""
    return [str(r["version"]) for r in releases() if str(r["db_revision"]) == str(revision)]


def revision_marks() -> dict[str, RevisionMark]:
    """Return every revision's mark, in chain order (oldest first)."""
    marks = {}
    for entry in load_catalog()["revisions"]:
        mark = RevisionMark(str(entry["id"]), entry["mark"], entry["down"], entry.get("summary", ""))
        marks[mark.id] = mark
    return marks


def revision_order() -> list[str]:
    """Return the revision ids of the chain, oldest first."""
    return list(revision_marks())


def newest_release() -> str:
    return str(releases()[-1]["version"])


def table_renames() -> dict[str, str]:
    """Return the term map's table renames (old game-engine name -> new name)."""
    return dict(load_catalog()["term_map"]["tables"])


def column_renames() -> dict[str, str]:
    """Return the term map's column renames as ``"table.column" -> "table.column"``."""
    return dict(load_catalog()["term_map"]["columns"])


def edge(from_version: str, to_version: str, path: str | None = None) -> dict:
    """Return the edge between two releases (``path`` picks e.g. ``export-import``)."""
    for candidate in load_catalog()["edges"]:
        if str(candidate["from"]) == from_version and str(candidate["to"]) == to_version:
            if path is None or candidate.get("path") == path:
                return candidate
    raise KeyError(f"the catalog has no edge {from_version} -> {to_version}" + (f" ({path})" if path else ""))
