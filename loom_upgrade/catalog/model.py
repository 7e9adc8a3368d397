"""The release catalog as typed objects: releases, Alembic revisions and migration edges."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import Version

IN_PLACE = "in-place"
EXPORT_IMPORT = "export-import"


@dataclass(frozen=True)
class Release:
    version: Version
    db_revision: str
    config_schema: str
    summary: str
    date: str | None = None
    required_stop: bool = False
    line: int | None = None

    @property
    def text(self) -> str:
        return str(self.version)

    @property
    def series(self) -> tuple[int, int]:
        """The release line, e.g. ``(0, 9)`` for 0.9.3."""
        return (self.version.major, self.version.minor)


@dataclass(frozen=True)
class Revision:
    id: str
    mark: str  # "expand": older code keeps serving; "contract": it does not
    down: str  # "lossless" or "lossy" downgrade
    summary: str


@dataclass(frozen=True)
class Edge:
    """One migration between two releases, with every operation it declares."""

    source: Version
    target: Version
    path: str
    breaking_changes: tuple[str, ...]
    deprecations: tuple[str, ...]
    config: tuple[dict[str, Any], ...]
    env: tuple[dict[str, Any], ...]
    canon: tuple[dict[str, Any], ...]
    db_revisions: tuple[str, ...]
    rows: dict[str, dict[str, Any]]
    manual: tuple[str, ...]
    checks: tuple[str, ...] = ()
    api_paths: tuple[dict[str, str], ...] = ()
    plugins: str | None = None
    plugin_entry_points: dict[str, str] = field(default_factory=dict)
    via: tuple[Version, ...] = ()
    line: int | None = None

    @property
    def name(self) -> str:
        return f"{self.source} -> {self.target}"

    def as_mapping(self) -> dict[str, Any]:
        """Return the edge in the raw catalog form that ``loom_upgrade.migrate.apply_edge`` reads."""
        return {
            "from": str(self.source),
            "to": str(self.target),
            "path": self.path,
            "config": [dict(op) for op in self.config],
            "env": [dict(op) for op in self.env],
            "canon": [dict(rule) for rule in self.canon],
            "plugins": self.plugins,
            "plugin_entry_points": dict(self.plugin_entry_points),
        }


@dataclass
class Catalog:
    """Releases sorted oldest first, revisions in chain order, and the edges between them."""

    releases: list[Release]
    revisions: list[Revision]
    edges: list[Edge]
    term_map: dict[str, dict[str, str]] = field(default_factory=dict)
    source: Path | None = None

    def release(self, version: Version | str) -> Release | None:
        requested = Version(str(version))
        return next((r for r in self.releases if r.version == requested), None)

    def revision(self, revision_id: str) -> Revision | None:
        return next((r for r in self.revisions if r.id == revision_id), None)

    def revision_index(self, revision_id: str) -> int:
        return [r.id for r in self.revisions].index(revision_id)

    def releases_serving(self, revision_id: str) -> list[Release]:
        return [r for r in self.releases if r.db_revision == revision_id]

    def edges_from(self, version: Version) -> list[Edge]:
        return [e for e in self.edges if e.source == version]

    def file_edges(self, edge: Edge) -> list[Edge]:
        """Return the in-place edges whose file migrations ``edge`` applies.

        That is the edge itself, or for an export/import edge the chain through its ``via``
        releases.
        """
        if not edge.via:
            return [edge]
        stops = [edge.source, *edge.via, edge.target]
        return [
            next(e for e in self.edges if e.source == older and e.target == newer and not e.via)
            for older, newer in zip(stops, stops[1:])
        ]

    @property
    def newest(self) -> Release:
        return self.releases[-1]

    def version_list(self) -> str:
        """Return the known releases as one comma-separated string, oldest first."""
        return ", ".join(r.text for r in self.releases)
