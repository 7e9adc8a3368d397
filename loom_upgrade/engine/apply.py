"""``apply`` and ``rollback`` as library calls: plan, lock, run the engine, map the outcome.

The CLI layer calls these with parsed options and a list of event subscribers, and they
print nothing. A finished run returns its ``RunOutcome``. A rolled-back run raises
``RolledBackError`` (exit 1), and a failed rollback raises ``OperatorActionError`` (exit 4)
whose ``fix`` is the exact next command.
"""

from __future__ import annotations

import json
import logging
import shlex
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loom_upgrade.engine import events, journal
from loom_upgrade.engine.context import ApplyOptions, RunContext
from loom_upgrade.engine.events import Event, EventBus
from loom_upgrade.engine.journal import Journal, RunState, last_unfinished_run, new_run_id
from loom_upgrade.engine.lock import DeploymentLock
from loom_upgrade.engine.playbook import load_playbook
from loom_upgrade.engine.runner import Engine, RunOutcome, check_fail_at_names
from loom_upgrade.errors import OperatorActionError, RolledBackError, UsageError
from loom_upgrade.i18n import _
from loom_upgrade.state import StateFolder
from loom_upgrade.steps.base import Change, Hop, Step, load_step_modules, step_from_dict
from loom_upgrade.steps.verify import verify_rolled_back
from loom_upgrade.targets import make_target

log = logging.getLogger(__name__)


@dataclass
class ApplyRequest:
    home: Path
    plan_file: Path | None = None
    to: str | None = None
    path_mode: str = "auto"
    playbook: Path | None = None
    resume: bool = False
    options: ApplyOptions = field(default_factory=ApplyOptions)
    command: str = "apply"


@dataclass
class ApplyResult:
    outcome: str
    from_release: str | None
    to_release: str | None
    run: RunOutcome | None = None
    changes: list[tuple[str, Change]] = field(default_factory=list)


def apply(request: ApplyRequest, subscribers: Iterable[Callable[[Event], None]] = ()) -> ApplyResult:
    """Upgrade the home as ``request`` specifies; the module docstring lists the outcomes."""
    home = request.home.resolve()
    state = StateFolder.of(home)
    state.ensure()
    bus = EventBus()
    for subscriber in subscribers:
        bus.subscribe(subscriber)
    notices: list[str] = []
    with DeploymentLock(state.root, request.command, notify=notices.append):
        for message in notices:
            bus.emit(Event(kind=events.NOTICE, run_id="", message=message))
        if request.resume:
            return _resume(request, home, state, bus)
        _reject_unfinished(home, state)
        return _fresh_run(request, home, state, bus)


# Planning a fresh run ------------------------------------------------------------------


def _fresh_run(request: ApplyRequest, home: Path, state: StateFolder, bus: EventBus) -> ApplyResult:
    from loom_upgrade.catalog import load_catalog
    from loom_upgrade.home import detect_home
    from loom_upgrade.planner import ALREADY_AT_TARGET, check_fresh, load_plan, plan_upgrade

    playbook = load_playbook(request.playbook)
    check_fail_at_names(playbook, request.options.fail_at)
    catalog = load_catalog()
    home_state = detect_home(home, catalog)
    if request.plan_file is not None:
        plan = load_plan(request.plan_file, home, catalog)
        if check_fresh(plan, home_state, catalog) == ALREADY_AT_TARGET:
            return ApplyResult(journal.OUTCOME_NOTHING_TO_DO, home_state.release, plan.target)
    else:
        plan = plan_upgrade(
            catalog,
            from_spec=None,
            to_spec=request.to,
            home=home_state,
            path_mode=request.path_mode,
            playbook_path=request.playbook,
        )
    if not plan.hops:
        return ApplyResult(journal.OUTCOME_NOTHING_TO_DO, home_state.release, plan.target)

    hops = [Hop(index=hop.index, from_release=hop.source, to_release=hop.target, path=hop.path) for hop in plan.hops]
    by_index = {hop.index: hop for hop in hops}
    load_step_modules()
    steps = [step_from_dict({**plan_step.to_dict(), "hop": by_index[plan_step.hop].to_dict() if plan_step.hop else None}) for plan_step in plan.steps]
    target = make_target(playbook.target, home, port=request.options.port)
    run_id = new_run_id()
    ctx = RunContext(
        home=home,
        state_dir=state.root,
        target=target,
        run_id=run_id,
        journal=Journal.create(state.root, run_id),
        bus=bus,
        from_release=plan.source,
        to_release=plan.target,
        newest_release=catalog.newest.text,
        hops=hops,
        options=request.options,
        catalog=catalog,
        plan=plan,
    )
    if request.options.dry_run:
        return _dry_run(ctx, steps)
    with target:
        outcome = Engine(ctx, steps, rollback_verifier=verify_rolled_back).run(command=request.command)
    return _finish(ctx, outcome)


def _reject_unfinished(home: Path, state: StateFolder) -> None:
    unfinished = last_unfinished_run(state.root)
    if unfinished is None:
        return
    quoted = shlex.quote(str(home))
    raise OperatorActionError(
        _("The run {run} was interrupted and never finished; the home may be half upgraded.").format(
            run=unfinished.run_id
        ),
        path=unfinished.path,
        fix=_("Continue it with loom-upgrade apply --resume --home {home}, or undo it with loom-upgrade rollback --home {home}.").format(
            home=quoted
        ),
    )


# Resume and rollback of an interrupted run ---------------------------------------------


def _context_from_journal(run: RunState, home: Path, state: StateFolder, bus: EventBus, options: ApplyOptions) -> tuple[RunContext, list[Step]]:
    from loom_upgrade.catalog import load_catalog

    start = _run_start_record(run.path)
    hops = [Hop.from_dict(hop) for hop in start.get("hops", [])]
    steps = [step_from_dict(data) for data in start.get("plan_steps", [])]
    saved = start.get("options") or {}
    options.no_artifact = options.no_artifact or bool(saved.get("no_artifact"))
    catalog = load_catalog()
    ctx = RunContext(
        home=home,
        state_dir=state.root,
        target=make_target({"kind": "local"}, home, port=options.port),
        run_id=run.run_id,
        journal=Journal(run.path),
        bus=bus,
        from_release=run.from_release or "",
        to_release=run.to_release or "",
        newest_release=start.get("newest_release") or catalog.newest.text,
        hops=hops,
        options=options,
        values=dict(run.context),
        catalog=catalog,
    )
    return ctx, steps


def _run_start_record(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("type") == "run-start":
                return record
    raise UsageError(_("The journal {path} has no start record.").format(path=path), path=path)


def _resume(request: ApplyRequest, home: Path, state: StateFolder, bus: EventBus) -> ApplyResult:
    run = last_unfinished_run(state.root)
    if run is None:
        raise UsageError(
            _("There is no interrupted run to resume in {home}.").format(home=home),
            fix=_("Run loom-upgrade apply without --resume."),
        )
    ctx, steps = _context_from_journal(run, home, state, bus, request.options)
    with ctx.target:
        outcome = Engine(ctx, steps, rollback_verifier=verify_rolled_back).run(command=request.command, resume=run)
    return _finish(ctx, outcome)


def rollback_interrupted(home: Path, subscribers: Iterable[Callable[[Event], None]] = (), *, options: ApplyOptions | None = None) -> ApplyResult:
    """Undo the interrupted run of ``home`` from its journal and verify the starting release."""
    home = home.resolve()
    state = StateFolder.of(home)
    bus = EventBus()
    for subscriber in subscribers:
        bus.subscribe(subscriber)
    with DeploymentLock(state.root, "rollback"):
        run = last_unfinished_run(state.root)
        if run is None:
            raise UsageError(
                _("There is no interrupted run to roll back in {home}.").format(home=home),
                fix=_("To return to an earlier release, pass the backup: loom-upgrade rollback --backup ID."),
            )
        ctx, steps = _context_from_journal(run, home, state, bus, options or ApplyOptions())
        with ctx.target:
            engine = Engine(ctx, steps, rollback_verifier=verify_rolled_back)
            outcome = engine.rollback_only(reason=_("rolled back on request"), resume=run)
        return _finish(ctx, outcome, requested=True)


# Outcome -------------------------------------------------------------------------------


def _finish(ctx: RunContext, outcome: RunOutcome, *, requested: bool = False) -> ApplyResult:
    _append_history(ctx, outcome)
    _cleanup_run_dir(ctx, outcome)
    result = ApplyResult(outcome.outcome, ctx.from_release, ctx.to_release, outcome)
    if outcome.outcome == journal.OUTCOME_DONE:
        return result
    if outcome.outcome == journal.OUTCOME_PREFLIGHT_FAILED and outcome.cause is not None:
        raise outcome.cause
    if outcome.outcome == journal.OUTCOME_ROLLED_BACK:
        if requested:
            return result
        raise RolledBackError(
            _("The upgrade failed at {step}: {reason}. The home was restored and verified at {release}.").format(
                step=outcome.failed_step, reason=(outcome.error or "").rstrip(".。"), release=ctx.from_release
            ),
            path=outcome.journal_path,
            fix=_("Correct the cause and run loom-upgrade apply again."),
        )
    backup = ctx.values.get("backup_id")
    home = shlex.quote(str(ctx.home))
    next_command = (
        f"loom-upgrade rollback --home {home} --backup {backup} --yes"
        if backup
        else f"loom-upgrade rollback --home {home}"
    )
    raise OperatorActionError(
        _("The upgrade failed at {step} ({reason}) and the rollback did not complete: {problem}").format(
            step=outcome.failed_step or "-", reason=outcome.error, problem=outcome.rollback_error
        ),
        path=outcome.journal_path,
        fix=_("Run: {command}").format(command=next_command),
    )


def _append_history(ctx: RunContext, outcome: RunOutcome) -> None:
    line = {
        "run_id": ctx.run_id,
        "outcome": outcome.outcome,
        "from": ctx.from_release,
        "to": ctx.to_release,
        "failed_step": outcome.failed_step,
        "backup_id": ctx.values.get("backup_id"),
        "seconds": round(outcome.duration, 3),
    }
    with StateFolder.of(ctx.home).history.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, ensure_ascii=False) + "\n")


def _cleanup_run_dir(ctx: RunContext, outcome: RunOutcome) -> None:
    # Pre-images and scratch venvs only serve resume; the backup stays with the backups.
    if outcome.outcome in (journal.OUTCOME_DONE, journal.OUTCOME_ROLLED_BACK):
        shutil.rmtree(ctx.run_dir / "pre-image", ignore_errors=True)
        for scratch in ctx.run_dir.glob("venv-*"):
            shutil.rmtree(scratch, ignore_errors=True)
        ctx.target.artifact_cleanup()  # a staging venv a killed install left, never used now


# Dry run -------------------------------------------------------------------------------


def _dry_run(ctx: RunContext, steps: list[Step]) -> ApplyResult:
    """Describe every step against a scratch copy of the home's files; change nothing."""
    from loom_upgrade.steps.migrate_files import scratch_copy

    scratch = scratch_copy(ctx.home)
    real_home = ctx.home
    changes: list[tuple[str, Change]] = []
    try:
        for step in steps:
            ctx.current_step = step.id
            ctx.home = scratch if step.kind.startswith("migrate-") else real_home
            for change in step.describe(ctx):
                changes.append((step.id, change))
                ctx.emit(events.NOTICE, change.summary, step_kind=step.kind, area=change.area, detail=change.detail)
            if step.kind.startswith("migrate-"):
                from loom_upgrade.engine import components

                # Apply the hop for real in the scratch copy, so the next hop's diff starts from it.
                for edge in components.file_edges(ctx.catalog, ctx.edge_of(step.hop)):
                    components.apply_edge(scratch, edge, step.kind.removeprefix("migrate-"))
    finally:
        ctx.home = real_home
        shutil.rmtree(scratch, ignore_errors=True)
    return ApplyResult(journal.OUTCOME_DRY_RUN, ctx.from_release, ctx.to_release, changes=changes)


# Rollback to any verified backup ---------------------------------------------------------


@dataclass
class RestoreResult:
    backup_id: str
    release: str | None
    rows_discarded: int
    artifact_restored: bool
    service_running: bool


def _run_of_backup(state: StateFolder, backup_id: str) -> RunState | None:
    for run in reversed(journal.list_runs(state.root)):
        if run.backup and run.backup.get("id") == backup_id:
            return run
    return None


def rollback_to_backup(home: Path, reference: str, *, discard_writes: bool = False) -> RestoreResult:
    """Restore data, config, env, canon, artifact and service state from a verified backup."""
    from loom_upgrade.engine import components

    home = home.resolve()
    state = StateFolder.of(home)
    with DeploymentLock(state.root, f"rollback --backup {reference}"):
        info = components.resolve_backup(state.root, reference)
        backup_id = info.id
        verified = components.verify_backup(info)
        if not verified.passed:
            raise OperatorActionError(
                _("The backup {id} does not verify, so it is not restored.").format(id=backup_id),
                path=getattr(info, "path", None),
                fix=_("Choose another backup from loom-upgrade backup list."),
            )
        run = _run_of_backup(state, backup_id)
        unfinished = last_unfinished_run(state.root)
        written = _rows_written(home, info, run)
        if written and not discard_writes:
            raise UsageError(
                _("{count} rows were written after backup {id}; restoring it would discard them.").format(
                    count=written, id=backup_id
                ),
                fix=_("Export what you need, then run again with --discard-writes."),
            )
        release_before = _release_or_none(home)
        began = time.time()
        target = make_target({"kind": "local"}, home)
        with target:
            was_running = target.service_status().running
            target.stop_service()
            components.restore_backup(home, state.root, backup_id)
            restored_artifact = False
            if run is not None:
                switch = run.steps.get("artifact-switch")
                record = (switch.data.get("record") if switch else None) or run.context.get("artifact_record")
                if switch is not None and switch.status != journal.UNDONE and record:
                    target.artifact_restore(record)
                    restored_artifact = True
                was_running = bool(run.context.get("service_was_running", was_running))
            target.artifact_cleanup()
            if was_running:
                target.start_service()
            release = components.detect(home).release
            running = target.service_status().running
        if unfinished is not None:
            # The restore replaces whatever the interrupted run left, so that run is over.
            Journal(unfinished.path).append(
                "run-end", outcome=journal.OUTCOME_ROLLED_BACK, error=f"backup {backup_id} restored on request"
            )
        _record_restore(state, home, reference, backup_id, release_before, release, written, time.time() - began)
    return RestoreResult(backup_id, release, written, restored_artifact, running)


def _release_or_none(home: Path) -> str | None:
    from loom_upgrade.engine import components

    try:
        return components.detect(home).release
    except Exception as exc:  # a home the restore is about to repair may not be readable
        log.info("cannot tell the release of %s before the restore: %s", home, exc)
        return None


def _record_restore(
    state: StateFolder, home: Path, reference: str, backup_id: str, before: str | None, after: str | None,
    rows_discarded: int, seconds: float,
) -> None:
    """Record a manual restore as a finished run, so that status and history show it."""
    run_id = new_run_id()
    record = Journal.create(state.root, run_id)
    record.append(
        "run-start",
        run_id=run_id,
        command=f"rollback --backup {reference}",
        home=str(home),
        host=journal.hostname(),
        from_release=before,
        to_release=after,
        steps=[],
        plan_steps=[],
        hops=[],
        context={"restored_backup": backup_id, "rows_discarded": rows_discarded},
    )
    record.append("run-end", outcome=journal.OUTCOME_RESTORED, duration=round(seconds, 3))
    line = {
        "run_id": run_id,
        "outcome": journal.OUTCOME_RESTORED,
        "from": before,
        "to": after,
        "failed_step": None,
        "backup_id": backup_id,
        "rows_discarded": rows_discarded,
        "seconds": round(seconds, 3),
    }
    with state.history.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, ensure_ascii=False) + "\n")


def _rows_written(home: Path, backup: Any, run: RunState | None) -> int:
    """Rows added or updated since ``backup``, matched through the row rules of its run's hops."""
    from loom_upgrade.catalog import load_catalog
    from loom_upgrade.engine import components

    rules: list[dict[str, Any]] = []
    if run is not None:
        catalog = load_catalog()
        start = _run_start_record(run.path)
        for hop in start.get("hops", []):
            for edge in catalog.edges:
                if str(edge.source) == hop["from_release"] and str(edge.target) == hop["to_release"] and edge.path == hop["path"]:
                    rules.append(dict(edge.rows or {}))
    return components.rows_written_since(backup, home, rules)
