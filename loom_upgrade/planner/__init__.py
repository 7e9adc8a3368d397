"""The planner: path finding, plan documents, digests and fingerprints."""

from loom_upgrade.planner.build import build_plan, plan_upgrade, resolve_source, resolve_target
from loom_upgrade.planner.files import ALREADY_AT_TARGET, FRESH, check_fresh, load_plan, save_plan
from loom_upgrade.planner.hops import Hop
from loom_upgrade.planner.model import Plan
from loom_upgrade.planner.path import find_path
from loom_upgrade.planner.steps import PlanStep

__all__ = [
    "ALREADY_AT_TARGET",
    "FRESH",
    "Hop",
    "Plan",
    "PlanStep",
    "build_plan",
    "check_fresh",
    "find_path",
    "load_plan",
    "plan_upgrade",
    "resolve_source",
    "resolve_target",
    "save_plan",
]
