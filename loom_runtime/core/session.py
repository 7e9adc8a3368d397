"""Sessions and the turn loop: the engine's API for the CLI and the HTTP service."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from loom_runtime._version import __version__
from loom_runtime.consistency import ConsistencyChecker
from loom_runtime.core.database import engine_for
from loom_runtime.core.errors import InvalidRequestError, NarrationRejectedError, SessionNotFoundError, TurnLimitError
from loom_runtime.core.settings import EngineSettings, coerce_settings
from loom_runtime.i18n import _
from loom_runtime.interpretation import HistoryTurn, NarrationRequest, Provider, create_provider
from loom_runtime.intervention import InterventionHandler, InterventionOutcome
from loom_runtime.intervention.handler import NARRATION_IMPORTANCE
from loom_runtime.intervention.reshape import reshape
from loom_runtime.memory import MemoryStore, SessionRecord, TurnRecord, relevant_facts
from loom_runtime.memory.extraction import derive_facts
from loom_runtime.plugins import PluginContext, PluginRegistry
from loom_runtime.rules import Canon, load_canon

logger = logging.getLogger(__name__)

# Earlier turns given to the provider as context, by interpreter mode.
HISTORY_TURNS = {"basic": 1, "advanced": 4}
MAX_INPUT_CHARS = 4000
SEED_RANGE = 2**31


@dataclass(frozen=True)
class TurnResult:
    """One played turn: its index, narration and the facts it used and created."""

    session_id: str
    turn_index: int
    narration: str
    facts_used: tuple[str, ...] = ()
    new_facts: tuple[str, ...] = ()

    @property
    def facts(self) -> list[str]:
        return list(dict.fromkeys(self.facts_used + self.new_facts))


@dataclass(frozen=True)
class SessionView:
    """A session as the API shows it."""

    id: str
    title: str
    canon_path: str
    seed: int
    turn_count: int
    opening: str
    created_at: Any = None
    updated_at: Any = None
    extra: Mapping[str, Any] = field(default_factory=dict)


class SessionService:
    """Creates sessions, plays turns and applies interventions on one database.

    ``storage`` is a SQLAlchemy Engine or URL whose schema is at the head revision.
    Relative canon paths are resolved against ``home``. Every transaction that writes
    also records this code's release in ``loom_meta``.
    """

    def __init__(
        self,
        storage: sa.Engine | str,
        settings: Any = None,
        home: Path | str | None = None,
        provider: Provider | None = None,
        plugins: PluginRegistry | None = None,
    ) -> None:
        self.settings: EngineSettings = coerce_settings(settings)
        self.engine = engine_for(storage)
        self.home = Path(home) if home is not None else None
        self.provider = provider or create_provider(self.settings.llm_providers, environ=self.settings.environ)
        self.plugins = plugins if plugins is not None else PluginRegistry.load(self.settings.plugins_directory)
        self._canons: dict[Path, tuple[float, Canon]] = {}
        if self.plugins.plugins:
            self._record_plugins()

    def close(self) -> None:
        self.provider.close()

    def _record_plugins(self) -> None:
        """Record the loaded plugins in plugin_state, and drop the ones an operator disabled there."""
        with self._writing() as store:
            states = store.plugin_states()
            disabled = {name for name, state in states.items() if not state["enabled"]}
            for plugin in self.plugins.plugins:
                manifest = plugin.manifest
                enabled = manifest.name not in disabled
                store.save_plugin_state(manifest.name, manifest.version, enabled, manifest.settings)
        if disabled:
            logger.info("Plugins disabled in plugin_state: %s", ", ".join(sorted(disabled)))
            self.plugins = self.plugins.without(disabled)

    # sessions

    def create_session(self, canon_path: str | Path, title: str | None = None, seed: int | None = None) -> SessionView:
        """Start a session on the canon at ``canon_path``; its turn 0 is the canon's opening."""
        canon = self.canon(canon_path)
        if seed is None:
            seed = secrets.randbelow(SEED_RANGE) if self.settings.seed_sessions else self.settings.default_seed
        session_id = str(uuid.uuid4())
        with self._writing() as store:
            record = store.create_session(session_id, title or canon.title, str(canon_path), seed)
            store.add_turn(session_id, 0, "", canon.opening, None)
        logger.info("Created session %s on canon %s with seed %d", session_id, canon_path, seed)
        self.plugins.session_started(PluginContext(session_id, seed, 0, canon.title, {"language": canon.language}))
        return self._view(record, canon.opening, 1)

    def get_session(self, session_id: str) -> SessionView:
        with self.engine.connect() as connection:
            store = self._store(connection)
            record = self._require_session(store, session_id)
            turns = store.list_turns(session_id)
        # The stored turn 0 is the opening, so reading a session never needs its canon file.
        opening = turns[0].narration if turns and turns[0].turn_index == 0 else ""
        return self._view(record, opening, len(turns))

    def list_turns(self, session_id: str) -> list[TurnRecord]:
        with self.engine.connect() as connection:
            store = self._store(connection)
            self._require_session(store, session_id)
            return store.list_turns(session_id)

    def list_facts(self, session_id: str) -> list[Any]:
        with self.engine.connect() as connection:
            store = self._store(connection)
            self._require_session(store, session_id)
            return store.list_facts(session_id)

    # turns

    def play_turn(self, session_id: str, player_input: str) -> TurnResult:
        """Narrate the player's input as the session's next turn and remember its facts."""
        player_input = _checked_input(player_input)
        with self._writing() as store:
            record = self._require_session(store, session_id, lock=True)
            canon = self.canon(record.canon_path)
            last = store.last_turn(session_id)
            turn_index = last.turn_index + 1 if last is not None else 0
            if turn_index > self.settings.max_turns:
                raise TurnLimitError(
                    _("The session has reached the limit of {limit} turns.").format(limit=self.settings.max_turns)
                    + " "
                    + _("Start a new session, or raise interpreter.max_turns in the config.")
                )
            facts = self._recalled_facts(store, session_id, player_input, canon)
            history = tuple(HistoryTurn(t.turn_index, t.player_input, t.narration)
                            for t in store.recent_turns(session_id, HISTORY_TURNS[self.settings.interpreter_mode]))
            seed = record.seed if record.seed is not None else self.settings.default_seed
            request = NarrationRequest(canon, session_id, turn_index, player_input, seed, facts, history)

            narration = self.provider.narrate(request)
            context = PluginContext(session_id, seed, turn_index, canon.title, {"player_input": player_input, "language": canon.language})
            text = self._consistent(self.plugins.post_process_turn(context, narration.text), canon, list(facts))
            turn = store.add_turn(session_id, turn_index, player_input, text, narration.token_count)
            # Facts come from the stored text (after plugins and reshaping), so every
            # provider's narration is remembered the same way.
            new_facts = derive_facts(text, canon, facts, self.settings.max_facts_per_turn)
            for fact in new_facts:
                store.add_fact(session_id, fact, source="narration", turn_id=turn.id, importance=NARRATION_IMPORTANCE)
            store.touch_session(session_id)
        for fact in new_facts:
            self.plugins.fact_added(context, fact)
        logger.info("Session %s played turn %d with %d facts recalled and %d new", session_id, turn_index, len(facts), len(new_facts))
        return TurnResult(session_id, turn_index, text, narration.facts_used, new_facts)

    def _recalled_facts(self, store: MemoryStore, session_id: str, player_input: str, canon: Canon) -> tuple[str, ...]:
        """Return the remembered facts for this turn; the basic interpreter mode recalls none."""
        if self.settings.interpreter_mode == "basic":
            return ()
        names = canon.character_names() + canon.place_names()
        return tuple(fact.content for fact in relevant_facts(store, session_id, player_input, self.settings.retrieval_limit, names))

    def _consistent(self, text: str, canon: Canon, facts: list[str]) -> str:
        checker = ConsistencyChecker(canon, self.settings.consistency_level)
        violations = checker.check(text, facts)
        if not violations:
            return text
        logger.warning("Narration broke the canon (%s); reshaping it", "; ".join(v.message for v in violations))
        reshaped = reshape(text, violations, checker, facts)
        if not reshaped or checker.check(reshaped, facts):
            raise NarrationRejectedError(
                _("The narration for this turn broke the canon and could not be repaired: {reasons}").format(reasons="; ".join(v.message for v in violations))
                + " "
                + _("Try the turn again with different input.")
            )
        return reshaped

    # interventions

    def apply_intervention(self, session_id: str, kind: str, payload: Mapping[str, Any] | None = None) -> InterventionOutcome:
        """Apply a retcon, inject_fact or rewind intervention under the configured handling mode."""
        payload = payload or {}
        with self._writing() as store:
            record = self._require_session(store, session_id, lock=True)
            canon = self.canon(record.canon_path)
            seed = record.seed if record.seed is not None else self.settings.default_seed
            added: list[str] = []
            handler = InterventionHandler(
                store, ConsistencyChecker(canon, self.settings.consistency_level), self.settings.handling_mode, added.append,
                derive_facts=lambda text, remembered: derive_facts(text, canon, remembered, self.settings.max_facts_per_turn),
            )
            outcome = handler.apply(session_id, kind, payload)
        for fact in added:
            self.plugins.fact_added(PluginContext(session_id, seed, outcome.record.turn_index, canon.title, {"language": canon.language}), fact)
        return outcome

    # helpers

    def canon(self, canon_path: str | Path) -> Canon:
        """Return the parsed canon, re-read when the file changed since the last read."""
        path = Path(canon_path)
        if not path.is_absolute() and self.home is not None:
            path = self.home / path
        try:
            modified = path.stat().st_mtime
        except OSError:
            modified = -1.0  # load_canon raises the CanonError that names the file
        cached = self._canons.get(path)
        if cached is not None and cached[0] == modified:
            return cached[1]
        canon = load_canon(path)
        self._canons[path] = (modified, canon)
        return canon

    def _store(self, connection: sa.Connection) -> MemoryStore:
        return MemoryStore(connection)

    @contextmanager
    def _writing(self) -> Iterator[MemoryStore]:
        with self.engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                # Take the write lock before reading the last turn: with SQLite's default
                # deferred BEGIN, two writers could read the same last turn and store
                # duplicate turn indexes. PostgreSQL locks the session row instead.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            store = self._store(connection)
            yield store
            store.record_release(__version__)

    def _require_session(self, store: MemoryStore, session_id: str, lock: bool = False) -> SessionRecord:
        record = store.get_session(session_id, lock=lock)
        if record is None:
            raise SessionNotFoundError(_("No session has the id {session_id}.").format(session_id=session_id) + " " + _("Create a session first, or check the id."))
        return record

    def _view(self, record: SessionRecord, opening: str, turn_count: int) -> SessionView:
        seed = record.seed if record.seed is not None else self.settings.default_seed
        return SessionView(record.id, record.title, record.canon_path, seed, turn_count, opening, record.created_at, record.updated_at)


def _checked_input(player_input: str) -> str:
    if not isinstance(player_input, str) or not player_input.strip():
        raise InvalidRequestError(_("The turn input is empty.") + " " + _("Send the player's action as non-empty text in 'input'."))
    if len(player_input) > MAX_INPUT_CHARS:
        raise InvalidRequestError(
            _("The turn input has {length} characters, more than the limit of {limit}.").format(length=len(player_input), limit=MAX_INPUT_CHARS)
            + " "
            + _("Shorten the input.")
        )
    return player_input.strip()
