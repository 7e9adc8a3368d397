"""Build a plan: resolve the releases, find the path, expand the playbook, estimate."""

from __future__ import annotations

import datetime
import logging
from importlib import metadata
from pathlib import Path

from loom_upgrade.catalog import Catalog, Release, contains, resolve
from loom_upgrade.engine.playbook import load_playbook
from loom_upgrade.errors import CatalogError, UsageError
from loom_upgrade.home.model import HomeState
from loom_upgrade.home.unknown_release import unknown_release_reason
from loom_upgrade.i18n import _
from loom_upgrade.planner.classify import highest_risk, jump_type
from loom_upgrade.planner.estimates import estimate_hops
from loom_upgrade.planner.hops import build_hops
from loom_upgrade.planner.model import Plan
from loom_upgrade.planner.path import find_path
from loom_upgrade.planner.steps import expand_steps

log = logging.getLogger(__name__)


def tool_version() -> str:
    try:
        return metadata.version("loom-narrative")
    except metadata.PackageNotFoundError:
        return "unknown"


def _detected_release(catalog: Catalog, home: HomeState) -> Release:
    if home.release is None:
        reason, fix = unknown_release_reason(home)
        raise UsageError(reason, path=home.home, fix=fix)
    release = catalog.release(home.release)
    if release is None:
        raise CatalogError(
            _("The home runs release {release}, which the catalog does not list.").format(release=home.release),
            path=catalog.source,
            fix=_("Use a loom-upgrade whose catalog knows {release}; known releases: {known}.").format(
                release=home.release, known=catalog.version_list()
            ),
        )
    return release


def resolve_source(catalog: Catalog, from_spec: str | None, home: HomeState | None) -> Release:
    """The release to plan from: the home's when there is one (``--from`` must name it),
    else ``--from`` resolved to the newest release of its line."""
    if home is None:
        if from_spec is None:
            raise UsageError(
                _("--from is needed when no LOOM home is given."),
                fix=_("Pass --from with a release or release line, or name a home with --home."),
            )
        return resolve(catalog, from_spec, option="--from")
    detected = _detected_release(catalog, home)
    if from_spec is not None and not contains(catalog, from_spec, detected):
        raise UsageError(
            _("--from {spec} does not match the home, which runs {release}.").format(
                spec=from_spec, release=detected.text
            ),
            path=home.home,
            fix=_("Omit --from, or pass --from {release}.").format(release=detected.text),
        )
    return detected


def resolve_target(catalog: Catalog, to_spec: str | None, source: Release) -> Release:
    target = catalog.newest if to_spec is None else resolve(catalog, to_spec, option="--to")
    if target.version < source.version:
        raise CatalogError(
            _("Downgrades are not planned: {target} is older than {source}.").format(
                target=target.text, source=source.text
            ),
            fix=_(
                "To return to an older release, restore its backup with loom-upgrade rollback --backup ID. "
                "Known releases: {known}."
            ).format(known=catalog.version_list()),
        )
    return target


def build_plan(
    catalog: Catalog,
    source: Release,
    target: Release,
    *,
    home: HomeState | None = None,
    path_mode: str = "auto",
    playbook_path: Path | str | None = None,
) -> Plan:
    """Plan the upgrade of ``home`` (or of the catalog's path alone) from ``source`` to ``target``."""
    playbook = load_playbook(playbook_path)
    edges = find_path(catalog, source, target, path_mode)
    hops = build_hops(catalog, edges)
    steps = expand_steps(playbook, hops)
    plan = Plan(
        source=source.text,
        target=target.text,
        type=jump_type(source.version, target.version),
        risk=highest_risk([hop.risk for hop in hops]),
        hops=hops,
        steps=steps,
        playbook=playbook.name,
        created_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        tool_version=tool_version(),
    )
    if home is not None:
        plan.home = str(home.home)
        plan.fingerprint = home.fingerprint()
        plan.estimates = estimate_hops(home, hops)
        plan.warnings = list(home.inconsistencies)
    log.info("planned %s -> %s: %d hops, %d steps", source.text, target.text, len(hops), len(steps))
    return plan


def plan_upgrade(
    catalog: Catalog,
    *,
    from_spec: str | None,
    to_spec: str | None,
    home: HomeState | None = None,
    path_mode: str = "auto",
    playbook_path: Path | str | None = None,
) -> Plan:
    """Resolve ``--from``/``--to`` against the catalog and the home, then build the plan."""
    source = resolve_source(catalog, from_spec, home)
    target = resolve_target(catalog, to_spec, source)
    return build_plan(catalog, source, target, home=home, path_mode=path_mode, playbook_path=playbook_path)
