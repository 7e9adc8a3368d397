"""Run every preflight check and collect the results; overrides apply only to checks the
operator names."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from loom_upgrade.catalog import Catalog, load_catalog
from loom_upgrade.errors import PreflightError, UsageError
from loom_upgrade.home.model import HomeState
from loom_upgrade.i18n import _
from loom_upgrade.planner.model import Plan
from loom_upgrade.preflight import (
    db_integrity,
    dependencies,
    disk_space,
    env_file,
    memory,
    path_validation,
    permissions,
    plugin_ports,
    python_version,
    release_consistency,
    service_health,
    service_port,
    stale_batch_tables,
)
from loom_upgrade.preflight.base import CheckResult, PreflightContext, PreflightReport
from loom_upgrade.state import StateFolder

log = logging.getLogger(__name__)

# In the order they run and are shown: the host, then the home, then the path.
CHECKS = (
    python_version,
    disk_space,
    memory,
    dependencies,
    db_integrity,
    stale_batch_tables,
    release_consistency,
    env_file,
    service_health,
    service_port,
    permissions,
    path_validation,
    plugin_ports,
)
CHECK_NAMES = tuple(module.NAME for module in CHECKS)


def _validate_overrides(overrides: set[str]) -> None:
    unknown = sorted(set(overrides) - set(CHECK_NAMES))
    if unknown:
        raise UsageError(
            _("--skip-check {names} names no preflight check.").format(names=", ".join(unknown)),
            fix=_("Name one of: {known}.").format(known=", ".join(CHECK_NAMES)),
        )


def _run_one(module: Any, context: PreflightContext) -> CheckResult:
    try:
        return module.check(context)
    except Exception as exc:  # a check that crashes must fail, never pass silently
        log.exception("preflight check %s crashed", module.NAME)
        return CheckResult(
            module.NAME, False, _("error"), _("The check itself failed: {reason}.").format(reason=type(exc).__name__),
            _("Rerun with --verbose and report the logged error."),
        )


def run_preflight(
    home_state: HomeState,
    plan: Plan | None,
    *,
    overrides: set[str] = frozenset(),
    catalog: Catalog | None = None,
    backup_dir: Path | None = None,
    drop_stale_batch_tables: bool = False,
    artifact_source: Any = None,
    limits: dict[str, Any] | None = None,
    plan_error: str | None = None,
    port: int | None = None,
) -> PreflightReport:
    """Run every check against ``home_state`` and ``plan``; changes nothing.

    A failing check counts as passed only when its name is in ``overrides``. ``limits``
    replaces thresholds (``min_memory_bytes``, ``min_python``, ``requirements``).
    ``plan_error`` is the reason no plan could be made when ``plan`` is None, and the
    path-validation check fails with it. ``port`` is the port the new service will listen
    on (``--port``); None means the config's ``server.port``.
    """
    _validate_overrides(set(overrides))
    context = PreflightContext(
        home=home_state,
        plan=plan,
        plan_error=plan_error,
        catalog=catalog or load_catalog(),
        backup_dir=backup_dir or StateFolder.of(home_state.home).backups_dir,
        drop_stale_batch_tables=drop_stale_batch_tables,
        artifact_source=artifact_source,
        limits=dict(limits or {}),
        port=port,
    )
    results = []
    for module in CHECKS:
        result = _run_one(module, context)
        if not result.passed and result.name in overrides:
            result.overridden = True
            log.info("preflight check %s failed and is overridden by --skip-check", result.name)
        results.append(result)
    return PreflightReport(results, home=str(home_state.home), target=plan.target if plan else None)


def raise_for_failures(report: PreflightReport) -> None:
    """Raise ``PreflightError`` (exit 3) with the detail of every failed check and their fixes."""
    if report.passed:
        return
    failed = [check for check in report.checks if check.name in report.failed]
    lines = [_("Preflight failed: {names}.").format(names=", ".join(report.failed))]
    lines += [f"{check.name}: {check.detail}" for check in failed if check.detail]
    fixes = list(dict.fromkeys(check.fix for check in failed if check.fix))
    raise PreflightError("\n".join(lines), fix=" ".join(fixes) or None)
