"""Reading a config of a newer release whose format only added keys.

Code stamped with an older release keeps serving while a newer release's migration has
added settings it does not know (1.0.x code next to the 1.1.0 config, which only adds
``memory.retrieval_limit``). This is the config counterpart of an ``expand`` database
revision: the catalog's edges are additive when every config operation between the two
releases is ``set_default`` or ``add_key`` on a fixed path, and then the added keys are
dropped before validation. Any other operation (rename, move, removal) makes the newer
config unreadable for the older code.
"""

from __future__ import annotations

import copy
from typing import Any

from packaging.version import Version

from loom_runtime.config.formats import catalog, releases


ADDITIVE_OPERATIONS = ("set_default", "add_key")


def _consecutive_edges(start: str, end: str) -> list[dict[str, Any]] | None:
    """Return the in-place edges from ``start`` up to ``end``, or None when one is missing."""
    versions = [info.version for info in releases() if Version(start) <= Version(info.version) <= Version(end)]
    in_place = {(str(edge["from"]), str(edge["to"])): edge for edge in catalog()["edges"] if "path" not in edge}
    edges = []
    for source, target in zip(versions, versions[1:]):
        edge = in_place.get((source, target))
        if edge is None:
            return None
        edges.append(edge)
    return edges


def added_keys(older: str, newer: str) -> list[str] | None:
    """Return the dotted keys the edges from ``older`` to ``newer`` add, or None if they change more."""
    edges = _consecutive_edges(older, newer)
    if edges is None:
        return None
    keys = []
    for edge in edges:
        for operation in edge.get("config") or []:
            (kind, arguments), = operation.items()
            path = str(arguments.get("path", ""))
            if kind not in ADDITIVE_OPERATIONS or "{" in path:
                return None
            keys.append(path)
    return keys


def without_keys(document: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """Return a copy of ``document`` without ``keys``; a section left empty is removed too."""
    trimmed = copy.deepcopy(document)
    for key in keys:
        *parents, last = key.split(".")
        chain = [trimmed]
        for name in parents:
            node = chain[-1].get(name) if isinstance(chain[-1], dict) else None
            if not isinstance(node, dict):
                break
            chain.append(node)
        else:
            chain[-1].pop(last, None)
            # Remove sections emptied by the removal, innermost first.
            for depth in range(len(parents) - 1, -1, -1):
                if chain[depth + 1]:
                    break
                del chain[depth][parents[depth]]
    return trimmed
