"""The ``Plan`` object and its JSON document (``schemas/plan.schema.json``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loom_upgrade.catalog import EXPORT_IMPORT, IN_PLACE, Catalog, Edge
from loom_upgrade.errors import PlanError
from loom_upgrade.i18n import _
from loom_upgrade.planner.hops import Hop, build_hops
from loom_upgrade.planner.steps import PlanStep

PLAN_FORMAT = 1


@dataclass
class Plan:
    source: str
    target: str
    type: str
    risk: str
    hops: list[Hop]
    steps: list[PlanStep]
    playbook: str
    created_at: str
    tool_version: str
    home: str | None = None
    fingerprint: dict[str, str | None] | None = None
    estimates: dict[str, Any] | None = None
    digest: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return EXPORT_IMPORT if any(h.path == EXPORT_IMPORT for h in self.hops) else IN_PLACE

    @property
    def edges(self) -> list[Edge]:
        return [hop.edge for hop in self.hops]

    def to_document(self) -> dict[str, Any]:
        """Return the plan as JSON data, with ``digest`` once the plan has been signed."""
        document = {
            "plan_format": PLAN_FORMAT,
            "from": self.source,
            "to": self.target,
            "type": self.type,
            "risk": self.risk,
            "path": self.path,
            "home": self.home,
            "fingerprint": self.fingerprint,
            "playbook": self.playbook,
            "hops": [hop.to_dict() for hop in self.hops],
            "steps": [step.to_dict() for step in self.steps],
            "estimates": self.estimates,
            "warnings": list(self.warnings),
            "created_at": self.created_at,
            "tool_version": self.tool_version,
        }
        if self.digest is not None:
            document["digest"] = self.digest
        return document

    @classmethod
    def from_document(cls, document: dict[str, Any], catalog: Catalog, *, source_file: str | None = None) -> Plan:
        """Rebuild a plan from its document, attaching each hop's edge from the catalog."""
        hops = []
        for entry in document["hops"]:
            edge = next(
                (
                    e
                    for e in catalog.edges
                    if str(e.source) == entry["from"] and str(e.target) == entry["to"] and e.path == entry["path"]
                ),
                None,
            )
            if edge is None:
                raise PlanError(
                    _("The plan uses the edge {source} -> {target} ({path}), which the catalog no longer has.").format(
                        source=entry["from"], target=entry["to"], path=entry["path"]
                    ),
                    path=source_file,
                    fix=_("Make a new plan with loom-upgrade plan."),
                )
            hop = build_hops(catalog, [edge])[0]
            hop.index = entry["index"]
            hop.estimate = entry.get("estimate")
            hop.details = {k: v for k, v in entry.items() if k in hop.details}
            hops.append(hop)
        return cls(
            source=document["from"],
            target=document["to"],
            type=document["type"],
            risk=document["risk"],
            hops=hops,
            steps=[PlanStep.from_dict(step) for step in document["steps"]],
            playbook=document["playbook"],
            created_at=document["created_at"],
            tool_version=document["tool_version"],
            home=document.get("home"),
            fingerprint=document.get("fingerprint"),
            estimates=document.get("estimates"),
            digest=document.get("digest"),
            warnings=list(document.get("warnings", [])),
        )
