"""One hop of a plan: an edge of the catalog with its classification and what it changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loom_upgrade.catalog import Catalog, Edge
from loom_upgrade.i18n import _
from loom_upgrade.planner.classify import edge_risk, jump_type

# Config operations that create a key; the plan lists them as new config requirements.
ADDING_OPS = ("add_key", "set_default")


@dataclass
class Hop:
    index: int  # 1-based, as in the step ids "hop1.db-migrate"
    edge: Edge
    type: str
    risk: str
    required_stop: bool
    estimate: dict[str, Any] | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return str(self.edge.source)

    @property
    def target(self) -> str:
        return str(self.edge.target)

    @property
    def path(self) -> str:
        return self.edge.path

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "from": self.source,
            "to": self.target,
            "type": self.type,
            "risk": self.risk,
            "path": self.path,
            "required_stop": self.required_stop,
            **self.details,
            "estimate": self.estimate,
        }


def _config_ops(file_edges: list[Edge]) -> list[dict[str, Any]]:
    ops = []
    for edge in file_edges:
        for operation in edge.config:
            (name, args), = operation.items()
            ops.append({"op": name, **args})
    return ops


def _breaking_changes(edge: Edge, file_edges: list[Edge]) -> list[str]:
    changes = list(edge.breaking_changes)
    for operation in (operation for file_edge in file_edges for operation in file_edge.config):
        if "set_value" in operation:
            args = operation["set_value"]
            changes.append(
                _("The config value {path} is overwritten with {value}.").format(path=args["path"], value=args["value"])
            )
    return changes


def _env_changes(file_edges: list[Edge]) -> dict[str, list[Any]]:
    added, removed, renamed = [], [], []
    for operation in (operation for edge in file_edges for operation in edge.env):
        if "add_var" in operation:
            added.append(dict(operation["add_var"]))
        elif "remove_var" in operation:
            name = operation["remove_var"]["name"]
            # A variable an earlier edge of the same hop adds and a later one removes is
            # never added in the end, but a copy the operator set is still removed.
            added = [variable for variable in added if variable["name"] != name]
            removed.append(name)
        elif "rename_var" in operation:
            renamed.append({"name": operation["rename_var"]["name"], "to": operation["rename_var"]["to"]})
    return {"env_added": added, "env_removed": removed, "env_renamed": renamed}


def _db_revisions(catalog: Catalog, edge: Edge) -> list[dict[str, str]]:
    revisions = []
    for revision_id in edge.db_revisions:
        revision = catalog.revision(revision_id)
        revisions.append({"id": revision.id, "mark": revision.mark, "down": revision.down, "summary": revision.summary})
    return revisions


def describe_edge(catalog: Catalog, edge: Edge) -> dict[str, Any]:
    """Everything an operator reviews before a hop, as plain JSON data.

    An export/import hop applies the file migrations of every in-place edge it passes
    (``Catalog.file_edges``), so its config, env, canon and plugin changes are theirs.
    """
    file_edges = catalog.file_edges(edge)
    config_ops = _config_ops(file_edges)
    return {
        "breaking_changes": _breaking_changes(edge, file_edges),
        "deprecations": list(edge.deprecations),
        "config_ops": config_ops,
        "new_config": [op for op in config_ops if op["op"] in ADDING_OPS],
        **_env_changes(file_edges),
        "canon_rules": [dict(rule) for file_edge in file_edges for rule in file_edge.canon],
        "plugins": next((file_edge.plugins for file_edge in file_edges if file_edge.plugins), None),
        "db_revisions": _db_revisions(catalog, edge),
        "rows": {table: dict(rule) for table, rule in edge.rows.items()},
        "api_paths": [dict(p) for p in edge.api_paths],
        "checks": list(edge.checks),
        "manual": list(edge.manual),
        "via": [str(v) for v in edge.via],
    }


def build_hops(catalog: Catalog, edges: list[Edge]) -> list[Hop]:
    return [
        Hop(
            index=index,
            edge=edge,
            type=jump_type(edge.source, edge.target),
            risk=edge_risk(catalog, edge),
            required_stop=catalog.release(edge.target).required_stop,
            details=describe_edge(catalog, edge),
        )
        for index, edge in enumerate(edges, start=1)
    ]
