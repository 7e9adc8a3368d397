"""The intervention layer: retcon, inject a fact, rewind; strict or adaptive."""

from loom_runtime.intervention.handler import (
    ADAPTED,
    APPLIED,
    INJECT_FACT,
    KINDS,
    REJECTED,
    RETCON,
    REWIND,
    InterventionHandler,
    InterventionOutcome,
)

__all__ = ["ADAPTED", "APPLIED", "INJECT_FACT", "KINDS", "REJECTED", "RETCON", "REWIND", "InterventionHandler", "InterventionOutcome"]
