"""The consistency layer: checks of narration and interventions against the canon."""

from loom_runtime.consistency.checker import LEVELS, ConsistencyChecker, ConsistencyError, Violation

__all__ = ["LEVELS", "ConsistencyChecker", "ConsistencyError", "Violation"]
