"""Find the chain of edges from one release to another.

In-place edges join consecutive releases, so the in-place path is unique. Export/import
edges jump over releases (0.2.0 -> 1.0.0) and are used only when ``--path
export-import`` requests them or when no in-place path exists.
"""

from __future__ import annotations

from loom_upgrade.catalog import EXPORT_IMPORT, IN_PLACE, Catalog, Edge, Release
from loom_upgrade.errors import CatalogError
from loom_upgrade.i18n import _

PATH_MODES = ("auto", IN_PLACE, EXPORT_IMPORT)


def _all_paths(catalog: Catalog, source: Release, target: Release) -> list[list[Edge]]:
    """Return every chain of forward edges from ``source`` to ``target`` (the catalog is a small DAG)."""
    found: list[list[Edge]] = []

    def walk(position, chain: list[Edge]) -> None:
        if position == target.version:
            found.append(list(chain))
            return
        for edge in catalog.edges_from(position):
            if edge.target <= target.version:
                chain.append(edge)
                walk(edge.target, chain)
                chain.pop()

    walk(source.version, [])
    return found


def _describe_export_import(catalog: Catalog) -> str:
    edges = [e for e in catalog.edges if e.path == EXPORT_IMPORT]
    return ", ".join(e.name for e in edges) or _("none")


def find_path(catalog: Catalog, source: Release, target: Release, mode: str = "auto") -> list[Edge]:
    """Return the edges from ``source`` to ``target`` for ``mode`` (auto, in-place, export-import).

    ``auto`` takes the in-place path when there is one, else the shortest other path.
    """
    if mode not in PATH_MODES:
        raise CatalogError(
            _("--path {mode} is not a path kind.").format(mode=mode),
            fix=_("Use --path auto, --path in-place or --path export-import."),
        )
    if source.version == target.version:
        return []
    paths = _all_paths(catalog, source, target)
    in_place = [p for p in paths if all(e.path == IN_PLACE for e in p)]
    other = sorted((p for p in paths if any(e.path == EXPORT_IMPORT for e in p)), key=len)

    if mode == IN_PLACE or (mode == "auto" and in_place):
        if in_place:
            return in_place[0]
        raise CatalogError(
            _("No in-place path leads from {source} to {target}.").format(source=source.text, target=target.text),
            path=catalog.source,
            fix=_("Use --path export-import or --path auto."),
        )
    if other:
        return other[0]
    raise CatalogError(
        _("No export-import path leads from {source} to {target}; export-import edges: {edges}.").format(
            source=source.text, target=target.text, edges=_describe_export_import(catalog)
        ),
        path=catalog.source,
        fix=_("Use --path in-place, or choose releases on both sides of an export-import edge."),
    )
