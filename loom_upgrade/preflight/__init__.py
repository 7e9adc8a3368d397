"""Preflight: one module per check, each returning a ``CheckResult``."""

from loom_upgrade.preflight.base import CheckResult, PreflightContext, PreflightReport
from loom_upgrade.preflight.runner import CHECK_NAMES, raise_for_failures, run_preflight

__all__ = ["CHECK_NAMES", "CheckResult", "PreflightContext", "PreflightReport", "raise_for_failures", "run_preflight"]
