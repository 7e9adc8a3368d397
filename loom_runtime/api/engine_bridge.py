"""The session API's link to the engine: JSON shapes and HTTP statuses for engine results.

The engine's ``SessionService`` is created on first use, not at start-up, so that a
service whose database is not ready still starts and reports the reason on ``/ready``.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import HTTPException
from sqlalchemy.engine import Engine

from loom_runtime.api.db import read_revision
from loom_runtime.api.schema_status import schema_status
from loom_runtime.config import Settings

logger = logging.getLogger(__name__)


def _errors_to_http(exc: Exception) -> HTTPException | None:
    """Return the HTTP error for an error the client or the operator caused, else None.

    4xx statuses mean the request must change. 503 means the service is misconfigured:
    an invalid setting, a plugin that cannot load, or a provider without its API key.
    502 means the language model API failed. A client may retry both later.
    """
    from loom_runtime.consistency import ConsistencyError
    from loom_runtime.core import InvalidRequestError, NarrationRejectedError, SessionNotFoundError, SettingsError, TurnLimitError
    from loom_runtime.interpretation import ProviderConfigError, ProviderError
    from loom_runtime.plugins import PluginError
    from loom_runtime.rules import CanonError

    if isinstance(exc, SessionNotFoundError):
        return HTTPException(404, str(exc))
    if isinstance(exc, (InvalidRequestError, CanonError)):
        return HTTPException(422, str(exc))
    if isinstance(exc, (TurnLimitError, NarrationRejectedError)):
        return HTTPException(409, str(exc))
    if isinstance(exc, (PluginError, SettingsError, ConsistencyError, ProviderConfigError)):
        return HTTPException(503, str(exc))
    if isinstance(exc, ProviderError):
        return HTTPException(502, str(exc))
    return None


def _plain(value: Any) -> Any:
    """Make dataclass fields JSON-ready: datetimes as ISO 8601 text, stored payloads parsed."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class SessionBridge:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self._service = None
        self._lock = threading.Lock()
        self._last_problem: str | None = None

    def service(self):
        if self._service is None:
            with self._lock:
                if self._service is None:
                    self._service = self._create_service()
        return self._service

    def _create_service(self):
        from loom_runtime.core import SessionService

        status = schema_status(read_revision(self.engine))
        if not status.servable:
            raise HTTPException(503, status.reason)
        return SessionService(self.engine, self.settings.engine_settings(), home=self.settings.home)

    def close(self) -> None:
        if self._service is not None:
            self._service.close()

    def engine_problem(self) -> str | None:
        """Return why the engine cannot serve sessions (settings, provider, plugins), or None.

        ``/ready`` calls this so that an operator sees a plugin that cannot load before a
        player does. The check builds the engine without a database, so it also works
        while the schema is not at head.
        """
        try:
            from loom_runtime.interpretation import create_provider
            from loom_runtime.plugins import PluginRegistry

            settings = self.settings.engine_settings()
            create_provider(settings.llm_providers, environ=settings.environ).close()
            PluginRegistry.load(settings.plugins_directory)
        except Exception as exc:
            if _errors_to_http(exc) is None:
                raise
            self._log_problem_change(str(exc))
            return str(exc)
        self._log_problem_change(None)
        return None

    def _log_problem_change(self, problem: str | None) -> None:
        """Log the readiness problem when it appears, changes or clears, not on every /ready poll."""
        if problem == self._last_problem:
            return
        if problem is None:
            logger.info("the engine can serve sessions again")
        else:
            logger.error("the engine cannot serve sessions: %s", problem)
        self._last_problem = problem

    def _call(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self.service(), method)(*args)
        except HTTPException:
            raise
        except Exception as exc:
            translated = _errors_to_http(exc)
            if translated is None:
                raise
            if translated.status_code >= 500:
                logger.error("%s failed with HTTP status %d: %s", method, translated.status_code, exc)
            raise translated from exc

    def _canon_for_storage(self, canon: Path) -> str:
        """Store canon paths relative to the home, so a moved home keeps working."""
        try:
            return str(canon.resolve().relative_to(self.settings.home))
        except ValueError:
            return str(canon)

    def create_session(self, canon: Path, title: str | None, seed: int | None) -> dict[str, Any]:
        view = self._call("create_session", self._canon_for_storage(canon), title, seed)
        return _plain(asdict(view))

    def get_session(self, session_id: str) -> dict[str, Any]:
        return _plain(asdict(self._call("get_session", session_id)))

    def play_turn(self, session_id: str, text: str) -> dict[str, Any]:
        result = self._call("play_turn", session_id, text)
        return {"session_id": result.session_id, "turn_index": result.turn_index,
                "narration": result.narration, "facts": result.facts}

    def list_turns(self, session_id: str) -> list[dict[str, Any]]:
        return [_plain(asdict(turn)) for turn in self._call("list_turns", session_id)]

    def intervene(self, session_id: str, body: dict[str, Any]) -> dict[str, Any]:
        kind = body.pop("kind")
        outcome = self._call("apply_intervention", session_id, kind, body)
        record = _plain(asdict(outcome.record))
        try:
            record["payload"] = json.loads(record["payload"])
        except (TypeError, ValueError):
            pass
        return {"intervention": record, "status": outcome.status, "reasons": list(outcome.reasons),
                "details": _plain(dict(outcome.details))}
