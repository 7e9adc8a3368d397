"""Classify a jump between releases by type (patch, minor, major) and by risk."""

from __future__ import annotations

from packaging.version import Version

from loom_upgrade.catalog import EXPORT_IMPORT, Catalog, Edge

PATCH, MINOR, MAJOR = "patch", "minor", "major"
LOW, MEDIUM, HIGH = "low", "medium", "high"
_RISK_ORDER = (LOW, MEDIUM, HIGH)


def jump_type(source: Version, target: Version) -> str:
    if source.major != target.major:
        return MAJOR
    if source.minor != target.minor:
        return MINOR
    return PATCH


def edge_risk(catalog: Catalog, edge: Edge) -> str:
    """Return ``high`` when old code cannot serve the result or the operator must act.

    That covers breaking changes, a contract revision, overwritten config values,
    export/import and a major jump. Returns ``medium`` when the schema or files change or
    for a minor jump, else ``low``.
    """
    kind = jump_type(edge.source, edge.target)
    contract = any(catalog.revision(r).mark == "contract" for r in edge.db_revisions)
    overwrites = any("set_value" in op for op in edge.config)
    if edge.breaking_changes or contract or overwrites or edge.path == EXPORT_IMPORT or kind == MAJOR:
        return HIGH
    if edge.db_revisions or edge.config or edge.env or edge.canon or kind == MINOR:
        return MEDIUM
    return LOW


def highest_risk(risks: list[str]) -> str:
    return max(risks, key=_RISK_ORDER.index) if risks else LOW
