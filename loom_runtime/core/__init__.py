"""The core layer: sessions, the turn loop and the scripted test session."""

from loom_runtime.core.errors import EngineError, InvalidRequestError, NarrationRejectedError, SessionNotFoundError, TurnLimitError
from loom_runtime.core.scripted import Invariant, ScriptResult, run_scripted_session
from loom_runtime.core.session import SessionService, SessionView, TurnResult
from loom_runtime.core.settings import EngineSettings, SettingsError, coerce_settings

__all__ = [
    "EngineError",
    "EngineSettings",
    "Invariant",
    "InvalidRequestError",
    "NarrationRejectedError",
    "ScriptResult",
    "SessionNotFoundError",
    "SessionService",
    "SessionView",
    "SettingsError",
    "TurnLimitError",
    "coerce_settings",
    "run_scripted_session",
]
