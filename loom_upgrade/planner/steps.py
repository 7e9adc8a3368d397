"""Expand a playbook over the hops of a plan into the ordered list of steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loom_upgrade.engine.playbook import HopGroup, Playbook
from loom_upgrade.planner.hops import Hop


@dataclass(frozen=True)
class PlanStep:
    id: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    hop: int | None = None  # index of the hop a per-hop step belongs to

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "params": dict(self.params), "hop": self.hop}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanStep:
        return cls(id=data["id"], kind=data["kind"], params=dict(data.get("params") or {}), hop=data.get("hop"))


def expand_steps(playbook: Playbook, hops: list[Hop]) -> list[PlanStep]:
    """Top-level steps once, the ``for_each: hop`` group once per hop (ids ``hop1.<id>``).

    A plan with no hops (already at the target) has no steps.
    """
    if not hops:
        return []
    steps: list[PlanStep] = []
    for item in playbook.steps:
        if isinstance(item, HopGroup):
            for hop in hops:
                steps.extend(
                    PlanStep(id=f"hop{hop.index}.{child.id}", kind=child.kind, params=dict(child.params), hop=hop.index)
                    for child in item.steps
                )
        else:
            steps.append(PlanStep(id=item.id, kind=item.kind, params=dict(item.params)))
    return steps
