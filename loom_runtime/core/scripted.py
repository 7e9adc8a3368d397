"""The scripted session behind ``loom run --canon FILE --test``.

It plays a fixed script of turns and interventions against a canon with the offline
provider (so it needs no network and is repeatable) and checks the engine's invariants.
The CLI exits non-zero when :attr:`ScriptResult.broken` is not empty.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from loom_runtime.consistency import ConsistencyChecker
from loom_runtime.core.database import engine_for, temporary_database
from loom_runtime.core.session import SessionService, TurnResult
from loom_runtime.core.settings import coerce_settings
from loom_runtime.i18n import _
from loom_runtime.interpretation import OfflineProvider
from loom_runtime.intervention import APPLIED
from loom_runtime.memory import MemoryStore
from loom_runtime.rules import Canon

logger = logging.getLogger(__name__)

SCRIPT_SEED = 7
FIRST_TURNS = 3
REWIND_TO = 3


@dataclass(frozen=True)
class Invariant:
    """A broken invariant: its name and a translated sentence about what went wrong."""

    name: str
    message: str


@dataclass
class ScriptResult:
    """The outcome of a scripted session."""

    canon_path: str
    turns_played: int = 0
    checked: list[str] = field(default_factory=list)
    broken: list[Invariant] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken

    def check(self, name: str, passed: bool, message: str) -> None:
        self.checked.append(name)
        if not passed:
            self.broken.append(Invariant(name, message))


def run_scripted_session(canon_path: str | Path, settings: Any = None, storage: sa.Engine | str | None = None, home: Path | str | None = None) -> ScriptResult:
    """Play the script against the canon; ``storage`` None uses a temporary SQLite database.

    Sessions the script creates in a caller's database are deleted at the end.
    Raises CanonError when the canon cannot be loaded.
    """
    engine_settings = coerce_settings(settings)
    with ExitStack() as stack:
        if storage is None:
            storage = stack.enter_context(temporary_database())
        engine = engine_for(storage)
        service = SessionService(engine, engine_settings, home=home, provider=OfflineProvider())
        stack.callback(service.close)
        script = _Script(service, str(canon_path))
        try:
            result = script.run()
        finally:
            script.clean_up()
            if not isinstance(storage, sa.Engine):
                engine.dispose()
    for invariant in result.broken:
        logger.warning("Scripted session on %s broke invariant %s: %s", canon_path, invariant.name, invariant.message)
    logger.info("Scripted session on %s: %d turns, %d of %d invariants hold", canon_path, result.turns_played, len(result.checked) - len(result.broken), len(result.checked))
    return result


class _Script:
    def __init__(self, service: SessionService, canon_path: str) -> None:
        self.service = service
        self.canon_path = canon_path
        self.canon: Canon = service.canon(canon_path)
        self.result = ScriptResult(canon_path)
        self.session_ids: list[str] = []
        self.lines = _ScriptLines(self.canon)

    def run(self) -> ScriptResult:
        session = self._new_session()
        first = [self._play(session, text) for text in self.lines.inputs[:FIRST_TURNS]]
        self._check_recall(session)
        self._check_forbidden_fact(session)
        self._check_retcon(session)
        self._check_rewind(session)
        self._play(session, self.lines.inputs[-1])
        self._check_turns(session)
        self._check_determinism(first)
        return self.result

    def clean_up(self) -> None:
        if not self.session_ids:
            return
        with self.service.engine.begin() as connection:
            store = MemoryStore(connection)
            for session_id in self.session_ids:
                store.delete_session(session_id)

    # phases

    def _new_session(self) -> str:
        session = self.service.create_session(self.canon_path, title="loom run --test", seed=SCRIPT_SEED)
        self.session_ids.append(session.id)
        return session.id

    def _play(self, session_id: str, text: str) -> TurnResult:
        turn = self.service.play_turn(session_id, text)
        self.result.turns_played += 1
        return turn

    def _check_recall(self, session_id: str) -> None:
        fact = self.lines.fact
        outcome = self.service.apply_intervention(session_id, "inject_fact", {"content": fact})
        self.result.check("fact_injected", outcome.status == APPLIED, _("The consistent fact '{fact}' was not injected (status {status}).").format(fact=fact, status=outcome.status))
        later = [self._play(session_id, text) for text in self.lines.inputs[FIRST_TURNS : FIRST_TURNS + 2]]
        if self.service.settings.interpreter_mode == "basic":
            # The basic mode narrates from the canon and the last turn only, so it must not recall the fact.
            ignored = all(fact not in turn.facts_used for turn in later)
            self.result.check("basic_mode_recalls_no_facts", ignored, _("The basic interpreter mode recalled the fact '{fact}' on turn {index}.").format(fact=fact, index=later[-1].turn_index))
            return
        recalled = fact in later[-1].facts_used and fact.rstrip("。.") in later[-1].narration
        self.result.check("injected_fact_recalled", recalled, _("The fact injected two turns earlier does not appear in the narration of turn {index}.").format(index=later[-1].turn_index))

    def _check_forbidden_fact(self, session_id: str) -> None:
        if self.lines.forbidden_fact is None:
            return
        outcome = self.service.apply_intervention(session_id, "inject_fact", {"content": self.lines.forbidden_fact})
        self.result.check(
            "canon_rule_enforced", outcome.status != APPLIED,
            _("The fact '{fact}' breaks a Forbidden rule but was applied unchanged.").format(fact=self.lines.forbidden_fact),
        )

    def _check_retcon(self, session_id: str) -> None:
        self.service.apply_intervention(session_id, "retcon", {"turn_index": 2, "narration": self.lines.retcon})
        turn = next((t for t in self.service.list_turns(session_id) if t.turn_index == 2), None)
        self.result.check("retcon_replaces_narration", turn is not None and turn.narration == self.lines.retcon, _("The retcon did not replace the narration of turn 2."))

    def _check_rewind(self, session_id: str) -> None:
        outcome = self.service.apply_intervention(session_id, "rewind", {"turn_index": REWIND_TO})
        turns = self.service.list_turns(session_id)
        facts = self.service.list_facts(session_id)
        kept_turn_ids = {turn.id for turn in turns}
        orphaned = [fact for fact in facts if fact.turn_id is not None and fact.turn_id not in kept_turn_ids]
        removed = max(turn.turn_index for turn in turns) == REWIND_TO and not orphaned and outcome.details.get("turns_removed", 0) > 0
        self.result.check("rewind_removes_turns", removed, _("Rewinding to turn {index} left later turns or their facts behind.").format(index=REWIND_TO))

    def _check_turns(self, session_id: str) -> None:
        turns = self.service.list_turns(session_id)
        indexes = [turn.turn_index for turn in turns]
        self.result.check("turn_indexes_contiguous", indexes == list(range(len(turns))), _("The turn indexes are not contiguous from 0: {indexes}.").format(indexes=indexes))
        empty = [turn.turn_index for turn in turns if not turn.narration.strip()]
        self.result.check("narration_non_empty", not empty, _("Turns {indexes} have empty narration.").format(indexes=empty))
        checker = ConsistencyChecker(self.canon, self.service.settings.consistency_level)
        facts = [fact.content for fact in self.service.list_facts(session_id)]
        broken = [f"{turn.turn_index}: {v.message}" for turn in turns for v in checker.check(turn.narration, facts)]
        self.result.check("narration_consistent", not broken, _("Narration breaks the canon: {problems}").format(problems="; ".join(broken)))

    def _check_determinism(self, first: list[TurnResult]) -> None:
        replay = self._new_session()
        again = [self._play(replay, text) for text in self.lines.inputs[:FIRST_TURNS]]
        same = [a.narration for a in first] == [b.narration for b in again]
        self.result.check("deterministic_for_seed", same, _("Two sessions with seed {seed} and the same input narrated differently.").format(seed=SCRIPT_SEED))


class _ScriptLines:
    """The script's inputs and intervention texts, in the canon's language and names."""

    def __init__(self, canon: Canon) -> None:
        character = canon.characters[0].name if canon.characters else None
        place = canon.places[0].name if canon.places else None
        forbidden = canon.forbidden_rules[0].phrases[0] if canon.forbidden_rules else None
        if canon.language == "zh":
            name, spot = character or "旅人", place or "这里"
            self.inputs = [f"我走向{spot}。", f"我和{name}打招呼。", "我四处看看。", "我静静地等待。", "我想一想接下来怎么办。", "我继续前进。"]
            self.fact = f"{name}在{spot}藏了一盏灯。"
            self.retcon = f"{name}在{spot}等着潮水退去。"
            self.forbidden_fact = f"{name}使用了{forbidden}。" if forbidden else None
        else:
            name, spot = character or "the traveller", place or "the road"
            self.inputs = [f"I walk to {spot}.", f"I greet {name}.", "I look around.", "I wait quietly.", "I think about what to do next.", "I move on."]
            self.fact = f"{name} keeps a lantern hidden at {spot}."
            self.retcon = f"{name} waits at {spot} as the tide turns."
            self.forbidden_fact = f"{name} uses {forbidden}." if forbidden else None
