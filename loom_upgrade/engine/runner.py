"""The step loop: one loop runs every step the same way, and rolls back on any failure.

For each step the loop journals ``started``, emits an event, copies the files the step
protects, runs it, journals ``done`` with what the step reported, and emits again. Any
exception stops the loop, journals ``failed`` and undoes every step that started, newest
first, then verifies that the deployment is back at its starting release. The journal is
written before each action, so a killed run can be resumed or rolled back from it.
"""

from __future__ import annotations

import logging
import shutil
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loom_upgrade.engine import events, journal
from loom_upgrade.engine.context import RunContext
from loom_upgrade.engine.journal import RunState, StepRecord
from loom_upgrade.errors import LoomUpgradeError, PlaybookError, PreflightError, UsageError
from loom_upgrade.i18n import _
from loom_upgrade.steps.base import Step, StepFailed

log = logging.getLogger(__name__)

RollbackVerifier = Callable[[RunContext], None]
PRE_IMAGE_COMPLETE = ".complete"


@dataclass
class RunOutcome:
    run_id: str
    outcome: str
    journal_path: Path
    failed_step: str | None = None
    error: str | None = None
    rollback_error: str | None = None
    duration: float = 0.0
    # A failure that has its own exit code (preflight: 3) once the rollback is done.
    cause: LoomUpgradeError | None = None


def check_backup_first(steps: list[Step]) -> None:
    """Reject a step list where a change to the deployment comes before the backup."""
    for step in steps:
        if step.kind == "backup":
            return
        if step.mutates:
            raise PlaybookError(
                _("The step {id} ({kind}) changes the deployment but comes before any backup step.").format(
                    id=step.id, kind=step.kind
                ),
                fix=_("Move a backup step before {id} in the playbook.").format(id=step.id),
            )


def match_fail_at(steps: list[Step], fail_at: str | None) -> str | None:
    """Return the id of the first step that ``--fail-at`` names (by id, kind or id suffix)."""
    if not fail_at:
        return None
    for step in steps:
        if fail_at in (step.id, step.kind) or step.id.endswith("." + fail_at):
            return step.id
    known = ", ".join(step.id for step in steps)
    raise UsageError(
        _("--fail-at {name} names no step of this plan.").format(name=fail_at),
        fix=_("Use a step id or kind of this plan: {known}.").format(known=known),
    )


def check_fail_at_names(playbook: Any, fail_at: str | None) -> None:
    """Reject a ``--fail-at`` that names no step of the playbook, before anything is planned.

    Accepted: a step id or kind, a per-hop step id or kind, or ``hop<N>.<per-hop id>``.
    """
    if not fail_at:
        return
    names: list[str] = []
    per_hop: set[str] = set()
    for item in playbook.steps:
        children = getattr(item, "steps", None)
        if children is None:
            names += [item.id, item.kind]
            continue
        for child in children:
            names += [child.id, child.kind]
            per_hop.update((child.id, child.kind))
    prefix, dot, rest = fail_at.partition(".")
    if fail_at in names or (dot and prefix.startswith("hop") and prefix[3:].isdigit() and rest in per_hop):
        return
    known = ", ".join(dict.fromkeys(names))
    raise UsageError(
        _("--fail-at {name} names no step of the playbook {playbook}.").format(name=fail_at, playbook=playbook.path),
        fix=_("Use a step id or kind of the playbook: {known}.").format(known=known),
    )


class Engine:
    """Runs a list of steps against one context, with journal, events and rollback."""

    def __init__(self, ctx: RunContext, steps: list[Step], *, rollback_verifier: RollbackVerifier | None = None) -> None:
        check_backup_first(steps)
        self.ctx = ctx
        self.steps = steps
        self.rollback_verifier = rollback_verifier
        self.fail_at_id = match_fail_at(steps, ctx.options.fail_at)
        self.state: RunState | None = None

    # Entry points ----------------------------------------------------------------------

    def run(self, *, command: str, resume: RunState | None = None) -> RunOutcome:
        started = time.monotonic()
        if resume is None:
            self._journal_start(command)
        else:
            self._journal_resume(resume)
        self.ctx.emit(
            events.RUN_STARTED,
            None,
            from_release=self.ctx.from_release,
            to_release=self.ctx.to_release,
            steps=[step.id for step in self.steps],
            resumed=resume is not None,
        )
        if resume is not None and resume.rollback is not None:
            # The run was killed while it rolled back: finish the rollback, never re-apply.
            outcome = self._rollback(resume.rollback.get("failed_step"), resume.rollback.get("error", ""))
        else:
            outcome = self._run_steps(resume)
        outcome.duration = time.monotonic() - started
        self._journal_end(outcome)
        return outcome

    def rollback_only(self, *, reason: str, resume: RunState) -> RunOutcome:
        """Roll back an unfinished run (killed, or abandoned) from its journal."""
        started = time.monotonic()
        self._journal_resume(resume)
        outcome = self._rollback(None, reason)
        outcome.duration = time.monotonic() - started
        self._journal_end(outcome)
        return outcome

    # Journal ---------------------------------------------------------------------------

    def _journal_start(self, command: str) -> None:
        ctx = self.ctx
        ctx.journal.append(
            "run-start",
            run_id=ctx.run_id,
            command=command,
            home=str(ctx.home),
            host=journal.hostname(),
            from_release=ctx.from_release,
            to_release=ctx.to_release,
            newest_release=ctx.newest_release,
            steps=[step.id for step in self.steps],
            plan_steps=[step.to_dict() for step in self.steps],
            hops=[hop.to_dict() for hop in ctx.hops],
            context=ctx.values,
            options={
                "fail_at": ctx.options.fail_at,
                "no_artifact": ctx.options.no_artifact,
                "skip_checks": list(ctx.options.skip_checks),
            },
        )
        self.state = RunState(run_id=ctx.run_id, path=ctx.journal.path)

    def _journal_resume(self, resume: RunState) -> None:
        self.ctx.values.update(resume.context)
        self.ctx.journal.append("resume", run_id=self.ctx.run_id)
        self.state = resume

    def _journal_step(self, step: Step, status: str, data: dict | None = None, error: str | None = None) -> None:
        self.ctx.journal.append("step", id=step.id, kind=step.kind, status=status, data=data or {}, error=error)
        record = self.state.steps.get(step.id) if self.state else None
        if self.state is not None:
            if record is None:
                record = StepRecord(id=step.id, kind=step.kind, status=status)
                self.state.steps[step.id] = record
            record.status = status
            record.data.update(data or {})
            record.error = error

    def _journal_end(self, outcome: RunOutcome) -> None:
        self.ctx.current_step = None
        self.ctx.journal.append(
            "run-end",
            outcome=outcome.outcome,
            failed_step=outcome.failed_step,
            error=outcome.error,
            rollback_error=outcome.rollback_error,
            duration=round(outcome.duration, 3),
        )
        self.ctx.emit(
            events.RUN_FINISHED,
            None,
            outcome=outcome.outcome,
            failed_step=outcome.failed_step,
            error=outcome.error,
            rollback_error=outcome.rollback_error,
            duration=outcome.duration,
        )

    # Forward ---------------------------------------------------------------------------

    def _run_steps(self, resume: RunState | None) -> RunOutcome:
        prepared = resume is not None
        for step in self.steps:
            if not prepared and step.kind != "preflight":
                # Long preparations (installing the new release beside the old one) run
                # after preflight and before the service stops, to keep the downtime short.
                prepared = True
                try:
                    self._prepare_all()
                except Exception as exc:
                    message = _describe_error(exc)
                    failed = self.ctx.current_step
                    log.error("preparing step %s failed: %s", failed, message)
                    self.ctx.emit(events.STEP_FAILED, message)
                    return self._rollback(failed, message)
            status = resume.status_of(step.id) if resume else None
            if status in (journal.DONE, journal.SKIPPED):
                self.ctx.current_step = step.id
                self.ctx.emit(events.STEP_SKIPPED, _("Already done in the interrupted run."), step_kind=step.kind)
                continue
            try:
                if status in (journal.STARTED, journal.FAILED):
                    self._restore_pre_image(step)
                self._run_one(step)
            except Exception as exc:  # every failure, ours or a library's, rolls back
                message = _describe_error(exc)
                log.error("step %s failed: %s", step.id, message)
                log.debug("step %s traceback:\n%s", step.id, traceback.format_exc())
                self._journal_step(step, journal.FAILED, error=message)
                self.ctx.emit(events.STEP_FAILED, message, step_kind=step.kind)
                outcome = self._rollback(step.id, message)
                if isinstance(exc, PreflightError) and outcome.outcome == journal.OUTCOME_ROLLED_BACK:
                    outcome.outcome = journal.OUTCOME_PREFLIGHT_FAILED
                    outcome.cause = exc
                return outcome
        return RunOutcome(self.ctx.run_id, journal.OUTCOME_DONE, self.ctx.journal.path)

    def _prepare_all(self) -> None:
        for step in self.steps:
            self.ctx.current_step = step.id
            step.prepare(self.ctx)
        self.ctx.current_step = None

    def _run_one(self, step: Step) -> None:
        ctx = self.ctx
        ctx.current_step = step.id
        if step.mutates and not ctx.values.get("backup_verified"):
            raise StepFailed(
                _("Refusing to run {id}: no verified backup of this deployment exists yet.").format(id=step.id)
            )
        self._save_pre_image(step)
        self._journal_step(step, journal.STARTED)
        ctx.emit(events.STEP_STARTED, None, step_kind=step.kind, hop=step.hop.to_dict() if step.hop else None)
        log.info("step %s (%s) started", step.id, step.kind)
        ctx.crash_point("before")
        if step.id == self.fail_at_id:
            raise StepFailed(_("Failing at {id} on purpose, as --fail-at asked.").format(id=step.id))
        began = time.monotonic()
        data = step.run(ctx) or {}
        ctx.crash_point("after")
        data.setdefault("seconds", round(time.monotonic() - began, 3))
        self._journal_step(step, journal.DONE, data)
        ctx.emit(events.STEP_FINISHED, data.get("summary"), step_kind=step.kind, data=data)
        log.info("step %s done in %.2fs", step.id, data["seconds"])

    # Pre-images: what an interrupted step gets back before it runs again -----------------

    def _pre_image_dir(self, step: Step) -> Path:
        return self.ctx.run_dir / "pre-image" / step.id

    def _save_pre_image(self, step: Step) -> None:
        paths = step.protected_paths(self.ctx)
        if not paths:
            return
        folder = self._pre_image_dir(step)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for relative in paths:
            source = self.ctx.home / relative
            destination = folder / "files" / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, destination, symlinks=True)
            elif source.exists():
                shutil.copy2(source, destination)
        (folder / "paths.txt").write_text("\n".join(paths), encoding="utf-8")
        (folder / PRE_IMAGE_COMPLETE).touch()

    def _restore_pre_image(self, step: Step) -> None:
        folder = self._pre_image_dir(step)
        if not (folder / PRE_IMAGE_COMPLETE).exists():
            return
        for relative in (folder / "paths.txt").read_text(encoding="utf-8").splitlines():
            saved = folder / "files" / relative
            current = self.ctx.home / relative
            if current.is_dir() and not current.is_symlink():
                shutil.rmtree(current)
            elif current.exists() or current.is_symlink():
                current.unlink()
            if saved.is_dir():
                shutil.copytree(saved, current, symlinks=True)
            elif saved.exists():
                shutil.copy2(saved, current)
        log.info("restored the files %s protected before it was interrupted", step.id)

    # Rollback --------------------------------------------------------------------------

    def _rollback(self, failed_step: str | None, reason: str) -> RunOutcome:
        ctx = self.ctx
        ctx.journal.append("rollback", failed_step=failed_step, error=reason)
        if self.state is not None:
            self.state.rollback = {"failed_step": failed_step, "error": reason}
        ctx.current_step = None
        ctx.emit(events.ROLLBACK_STARTED, reason, failed_step=failed_step)
        problems = self._undo_steps()
        self._discard_prepared()
        if not problems and self.rollback_verifier is not None:
            try:
                self.rollback_verifier(ctx)
            except Exception as exc:
                problems.append(_("verification after rollback: {reason}").format(reason=_describe_error(exc)))
        outcome = journal.OUTCOME_ROLLED_BACK if not problems else journal.OUTCOME_ROLLBACK_FAILED
        ctx.emit(events.ROLLBACK_FINISHED, "; ".join(problems) or None, ok=not problems)
        return RunOutcome(
            ctx.run_id,
            outcome,
            ctx.journal.path,
            failed_step=failed_step,
            error=reason,
            rollback_error="; ".join(problems) or None,
        )

    def _undo_steps(self) -> list[str]:
        """Undo every step that started, newest first; return the problems, one per failed undo."""
        ctx = self.ctx
        problems: list[str] = []
        for step in reversed(self.steps):
            record = self.state.steps.get(step.id) if self.state else None
            if record is None or record.status not in (journal.STARTED, journal.DONE, journal.FAILED):
                continue
            ctx.current_step = step.id
            try:
                ctx.crash_point("undo")
                step.undo(ctx, record)
            except Exception as exc:  # keep undoing the rest, then report every problem
                message = _describe_error(exc)
                log.error("undo of %s failed: %s", step.id, message)
                problems.append(f"{step.id}: {message}")
                ctx.emit(events.ROLLBACK_STEP, message, ok=False)
                continue
            self._journal_step(step, journal.UNDONE)
            ctx.emit(events.ROLLBACK_STEP, None, ok=True, step_kind=step.kind)
        ctx.current_step = None
        return problems

    def _discard_prepared(self) -> None:
        for step in self.steps:
            try:
                step.discard(self.ctx)
            except Exception as exc:  # leftovers beside the deployment never fail a rollback
                log.warning("discarding what %s prepared failed: %s", step.id, _describe_error(exc))


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, LoomUpgradeError):
        return exc.message
    if isinstance(exc, StepFailed):
        return str(exc)
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
