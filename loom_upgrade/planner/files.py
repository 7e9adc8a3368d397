"""Save and load signed plan files, and check that a plan still fits its home."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import jsonschema

from loom_upgrade.catalog import Catalog, load_catalog, load_schema
from loom_upgrade.errors import PlanError, UsageError
from loom_upgrade.home.model import HomeState
from loom_upgrade.i18n import N_, _
from loom_upgrade.planner import digest
from loom_upgrade.planner.model import Plan

log = logging.getLogger(__name__)

FRESH = "fresh"
ALREADY_AT_TARGET = "already-at-target"

# Fingerprint fields in the order they are reported, with the words used for them.
FINGERPRINT_FIELDS = {
    "release": N_("release"),
    "db_revision": N_("DB revision"),
    "config_sha256": N_("config hash"),
    "env_sha256": N_("env hash"),
}


def validate_plan_document(document: Any, source: Path | str | None = None) -> None:
    validator = jsonschema.Draft202012Validator(load_schema("plan.schema.json"))
    error = next(iter(sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise PlanError(
            _("The plan file is not a valid plan at {where}: {reason}.").format(where=where, reason=error.message),
            path=source,
            fix=_("Make a new plan with loom-upgrade plan --out FILE."),
        )


def save_plan(plan: Plan, path: Path | str) -> Path:
    """Sign ``plan`` with its home's key and write it to ``path`` (atomically)."""
    if plan.home is None:
        raise UsageError(
            _("Only a plan made for a LOOM home can be saved, because it records the home's fingerprint."),
            path=path,
            fix=_("Pass --home DIR (or set LOOM_HOME) when using --out."),
        )
    key = digest.plan_key(Path(plan.home), create=True)
    plan.digest = None
    document = plan.to_document()
    plan.digest = digest.sign(document, key)
    document["digest"] = plan.digest
    validate_plan_document(document, path)

    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)
    log.info("saved plan %s -> %s to %s", plan.source, plan.target, path)
    return path


def _read_document(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PlanError(
            _("The plan file {path} does not exist.").format(path=path),
            path=path,
            fix=_("Make a plan with loom-upgrade plan --out FILE."),
        ) from exc
    except json.JSONDecodeError as exc:
        raise PlanError(
            _("The plan file is not valid JSON: {reason}.").format(reason=exc.msg),
            path=path,
            line=exc.lineno,
            fix=_("Make a new plan with loom-upgrade plan --out FILE; plans are not meant to be edited."),
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(
            _("The plan file cannot be read: {reason}.").format(reason=exc),
            path=path,
            fix=_("Make the file readable UTF-8 text."),
        ) from exc


def load_plan(path: Path | str, home: Path | str, catalog: Catalog | None = None) -> Plan:
    """Read a plan file and verify its digest with ``home``'s key.

    Raises ``PlanError`` when the file was changed after it was saved or was made for
    another home.
    """
    path = Path(path)
    document = _read_document(path)
    validate_plan_document(document, path)
    key = digest.plan_key(Path(home), create=False)
    if key is None or not digest.verify(document, key):
        raise PlanError(
            _("The plan file {path} was modified after it was saved, or was made for another home.").format(path=path),
            path=path,
            fix=_("Make a new plan for this home with loom-upgrade plan --out FILE."),
        )
    return Plan.from_document(document, catalog or load_catalog(), source_file=str(path))


def check_fresh(plan: Plan, home: HomeState, catalog: Catalog | None = None) -> str:
    """Return ``FRESH`` when the home is still as the plan recorded it.

    Returns ``ALREADY_AT_TARGET`` when the home already runs the plan's target. Otherwise
    raises ``PlanError`` naming every recorded input that changed.
    """
    catalog = catalog or load_catalog()
    target = catalog.release(plan.target)
    if home.release == plan.target and target is not None and home.db_revision == target.db_revision:
        return ALREADY_AT_TARGET

    recorded = plan.fingerprint or {}
    current = home.fingerprint()
    changed = [name for name in FINGERPRINT_FIELDS if recorded.get(name) != current.get(name)]
    if not changed:
        return FRESH
    details = "; ".join(
        _("{what} was {before}, now {after}").format(
            what=_(FINGERPRINT_FIELDS[name]),
            before=_short(recorded.get(name)),
            after=_short(current.get(name)),
        )
        for name in changed
    )
    raise PlanError(
        _("The plan is stale: the home changed since it was planned ({details}).").format(details=details),
        path=home.home,
        fix=_("Make a new plan for the home as it is now with loom-upgrade plan --out FILE."),
    )


def _short(value: str | None) -> str:
    if value is None:
        return _("absent")
    return value[:12] if len(value) == 64 else value
