"""Validation of the whole upgrade path before anything is touched.

Every hop's edge must be in the catalog. Every hop's config, env, canon and plugin
migration must succeed on a scratch copy of the home, each hop on the previous hop's
output. When the plan switches artifacts, the new release's artifact source must be
reachable.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

import httpx

from loom_upgrade.errors import LoomUpgradeError
from loom_upgrade.i18n import _
from loom_upgrade.preflight.base import CheckResult, PreflightContext

log = logging.getLogger(__name__)

NAME = "path-validation"
COPIED = ("config", "canon", "plugins", ".env")
INDEX_TIMEOUT_SECONDS = 10.0


def _copy_files(home: Path, scratch: Path) -> None:
    for name in COPIED:
        source = home / name
        if source.is_dir():
            shutil.copytree(source, scratch / name, symlinks=True)
        elif source.is_file():
            shutil.copy2(source, scratch / name)


def _migrate_chain(context: PreflightContext) -> str | None:
    """Apply every hop's file migrations to a scratch copy; return the first failure."""
    from loom_upgrade.migrate import apply_edge

    with tempfile.TemporaryDirectory(prefix="loom-preflight-") as folder:
        scratch = Path(folder)
        _copy_files(context.home.home, scratch)
        for hop in context.plan.hops:
            for edge in context.catalog.file_edges(hop.edge):
                try:
                    apply_edge(scratch, edge.as_mapping(), dry_run=False)
                except LoomUpgradeError as exc:
                    # The detail template ends the sentence, so a message's own full stop is dropped.
                    message = exc.message.rstrip("。.")
                    return _("hop {index} ({edge}): {message}").format(index=hop.index, edge=edge.name, message=message)
    return None


def _artifact_problem(context: PreflightContext) -> str | None:
    source = context.artifact_source
    if source is None or not getattr(source, "configured", False):
        return None
    if not any(step.kind == "artifact-switch" for step in context.plan.steps):
        return None
    target = context.plan.target
    pattern = f"loom_narrative-{target}-*.whl"
    folders = [Path(source.wheelhouse)] if source.wheelhouse is not None else []
    folders += [Path(link) for link in source.find_links if not link.startswith(("http://", "https://", "file:"))]
    if folders and source.index_url is None and not any(any(folder.glob(pattern)) for folder in folders):
        return _("no wheel matching {pattern} in {folders}").format(
            pattern=pattern, folders=", ".join(str(folder) for folder in folders)
        )
    urls = [u for u in (source.index_url, *source.find_links) if u and u.startswith(("http://", "https://"))]
    for url in urls:
        try:
            httpx.get(url, timeout=INDEX_TIMEOUT_SECONDS).raise_for_status()
        except httpx.HTTPError as exc:
            return _("the package index {url} is not reachable: {reason}").format(url=url, reason=type(exc).__name__)
    return None


def check(context: PreflightContext) -> CheckResult:
    plan = context.plan
    if plan is None and context.plan_error is not None:
        return CheckResult(
            NAME, False, _("no plan"), _("No upgrade plan could be made: {reason}").format(reason=context.plan_error),
            _("Fix the problem above, then rerun preflight."),
        )
    if plan is None or not plan.hops:
        return CheckResult(NAME, True, _("no hops"), _("nothing to migrate"))
    measured = _("{count} hop(s)").format(count=len(plan.hops))
    missing = [hop for hop in plan.hops if hop.edge not in context.catalog.edges]
    if missing:
        return CheckResult(
            NAME, False, measured,
            _("The catalog has no edge {edge}.").format(edge=missing[0].edge.name),
            _("Make a new plan with loom-upgrade plan."),
        )
    failure = _migrate_chain(context)
    if failure is not None:
        return CheckResult(
            NAME, False, measured, _("A file migration would fail: {failure}.").format(failure=failure),
            _("Fix the file named above (or restore it from a backup), then rerun preflight."),
        )
    problem = _artifact_problem(context)
    if problem is not None:
        return CheckResult(
            NAME, False, measured, _("The new release cannot be installed: {problem}.").format(problem=problem),
            _("Check --wheelhouse, --find-links or --index-url, then rerun preflight."),
        )
    return CheckResult(NAME, True, measured, _("every hop's file migrations succeed on a scratch copy"))
