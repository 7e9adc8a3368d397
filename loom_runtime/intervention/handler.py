"""Player interventions: retcon a turn, inject a fact, rewind the session.

In ``strict`` mode an intervention that breaks the canon is rejected and changes
nothing. In ``adaptive`` mode it is reshaped (see :mod:`loom_runtime.intervention.reshape`)
and applied, and the record keeps both the original and the reshaped text. Every
intervention, rejected ones included, is recorded in the ``interventions`` table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from loom_runtime.consistency import ConsistencyChecker
from loom_runtime.core.errors import InvalidRequestError
from loom_runtime.i18n import _
from loom_runtime.intervention.reshape import reshape
from loom_runtime.memory import InterventionRecord, MemoryStore

logger = logging.getLogger(__name__)

RETCON = "retcon"
INJECT_FACT = "inject_fact"
REWIND = "rewind"
KINDS = (RETCON, INJECT_FACT, REWIND)
APPLIED, ADAPTED, REJECTED = "applied", "adapted", "rejected"
# Importance of an injected fact: above narration events, so retrieval prefers it.
INJECTED_IMPORTANCE = 0.8

FactListener = Callable[[str], None]
# A function from (narration, facts already remembered) to the new facts the narration states.
FactDeriver = Callable[[str, list[str]], tuple[str, ...]]
# Importance of a fact derived from a narration, the same for played and retconned turns.
NARRATION_IMPORTANCE = 0.3


@dataclass(frozen=True)
class InterventionOutcome:
    """The result of an intervention: its stored record, status and the reasons for it."""

    record: InterventionRecord
    status: str
    reasons: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)


class InterventionHandler:
    """Applies interventions to one session's memory, checked against the canon."""

    def __init__(self, store: MemoryStore, checker: ConsistencyChecker, mode: str, on_fact_added: FactListener | None = None,
                 derive_facts: FactDeriver | None = None) -> None:
        self.store = store
        self.checker = checker
        self.mode = mode
        self._on_fact_added = on_fact_added
        self._derive_facts = derive_facts

    def apply(self, session_id: str, kind: str, payload: Mapping[str, Any]) -> InterventionOutcome:
        """Apply one intervention; raise :class:`InvalidRequestError` for a malformed one."""
        if kind == RETCON:
            return self._retcon(session_id, payload)
        if kind == INJECT_FACT:
            return self._inject_fact(session_id, payload)
        if kind == REWIND:
            return self._rewind(session_id, payload)
        raise InvalidRequestError(
            _("The intervention kind '{kind}' is unknown.").format(kind=kind) + " " + _("Use one of: {kinds}.").format(kinds=", ".join(KINDS))
        )

    def _retcon(self, session_id: str, payload: Mapping[str, Any]) -> InterventionOutcome:
        turn_index = _turn_index(payload)
        narration = _text(payload, "narration")
        if self.store.get_turn(session_id, turn_index) is None:
            raise InvalidRequestError(_("The session has no turn {index} to retcon.").format(index=turn_index) + " " + _("List the turns and pick an existing turn_index."))
        status, text, reasons = self._check(narration, session_id)
        details: dict[str, Any] = {}
        if status != REJECTED:
            self.store.replace_narration(session_id, turn_index, text)
            details = self._replace_turn_facts(session_id, turn_index, text)
        outcome = self._record(session_id, turn_index, RETCON, {"turn_index": turn_index, "narration": narration}, status, reasons, text)
        return InterventionOutcome(outcome.record, outcome.status, outcome.reasons, {**outcome.details, **details})

    def _replace_turn_facts(self, session_id: str, turn_index: int, narration: str) -> dict[str, Any]:
        """Replace the facts derived from the retconned turn with those of its new narration.

        Without this, recall would keep offering what the replaced text stated. Injected
        and pinned facts tied to the turn stay.
        """
        turn = self.store.get_turn(session_id, turn_index)
        removed = self.store.delete_derived_facts(turn.id)
        added: tuple[str, ...] = ()
        if self._derive_facts is not None:
            remembered = [fact.content for fact in self.store.list_facts(session_id)]
            added = self._derive_facts(narration, remembered)
            for fact in added:
                self.store.add_fact(session_id, fact, source="narration", turn_id=turn.id, importance=NARRATION_IMPORTANCE)
                if self._on_fact_added is not None:
                    self._on_fact_added(fact)
        logger.info("Retcon of session %s turn %d: %d facts removed, %d added", session_id, turn_index, removed, len(added))
        return {"facts_removed": removed, "facts_added": list(added)}

    def _inject_fact(self, session_id: str, payload: Mapping[str, Any]) -> InterventionOutcome:
        content = _text(payload, "content", alias="fact")
        pinned = bool(payload.get("pinned", False))
        last = self.store.last_turn(session_id)
        turn_index = last.turn_index if last is not None else 0
        status, text, reasons = self._check(content, session_id)
        if status != REJECTED:
            # Tied to the latest turn, so rewinding before that turn deletes the fact too.
            self.store.add_fact(session_id, text, source="intervention", turn_id=last.id if last else None, pinned=pinned, importance=INJECTED_IMPORTANCE)
            if self._on_fact_added is not None:
                self._on_fact_added(text)
        return self._record(session_id, turn_index, INJECT_FACT, {"content": content, "pinned": pinned}, status, reasons, text)

    def _rewind(self, session_id: str, payload: Mapping[str, Any]) -> InterventionOutcome:
        turn_index = _turn_index(payload)
        if self.store.get_turn(session_id, turn_index) is None:
            raise InvalidRequestError(_("The session has no turn {index} to rewind to.").format(index=turn_index) + " " + _("List the turns and pick an existing turn_index."))
        turns, facts = self.store.delete_turns_after(session_id, turn_index)
        logger.info("Rewound session %s to turn %d: %d turns and %d facts removed", session_id, turn_index, turns, facts)
        details = {"turns_removed": turns, "facts_removed": facts}
        outcome = self._record(session_id, turn_index, REWIND, {"turn_index": turn_index, **details}, APPLIED, (), None)
        return InterventionOutcome(outcome.record, outcome.status, outcome.reasons, {**outcome.details, **details})

    def _check(self, text: str, session_id: str) -> tuple[str, str, tuple[str, ...]]:
        """Return (status, text to apply, reasons) for ``text`` under the handling mode."""
        facts = [fact.content for fact in self.store.list_facts(session_id)]
        violations = self.checker.check(text, facts)
        if not violations:
            return APPLIED, text, ()
        reasons = tuple(violation.message for violation in violations)
        if self.mode == "adaptive":
            reshaped = reshape(text, violations, self.checker, facts)
            if reshaped and not self.checker.check(reshaped, facts):
                return ADAPTED, reshaped, reasons
        return REJECTED, text, reasons

    def _record(self, session_id: str, turn_index: int, kind: str, payload: dict[str, Any], status: str, reasons: tuple[str, ...], applied_text: str | None) -> InterventionOutcome:
        stored = dict(payload)
        if reasons:
            stored["reasons"] = list(reasons)
        if status == ADAPTED:
            stored["adapted"] = applied_text
        record = self.store.record_intervention(session_id, turn_index, kind, stored, status)
        logger.info("Intervention %s on session %s: %s", kind, session_id, status)
        details = {"adapted": applied_text} if status == ADAPTED else {}
        return InterventionOutcome(record, status, reasons, details)


def _turn_index(payload: Mapping[str, Any]) -> int:
    value = payload.get("turn_index")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRequestError(
            _("The field 'turn_index' must be a whole number of 0 or more, not {value}.").format(value=value)
            + " "
            + _("Give the index of an existing turn.")
        )
    return value


def _text(payload: Mapping[str, Any], key: str, alias: str | None = None) -> str:
    value = payload.get(key)
    if value is None and alias is not None:
        value = payload.get(alias)
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(_("The field '{field}' is missing or empty.").format(field=key) + " " + _("Give the text of the intervention in '{field}'.").format(field=key))
    return value.strip()
