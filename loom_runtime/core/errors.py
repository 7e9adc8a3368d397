"""Errors of the engine's session API; the service maps them to exit codes and HTTP statuses."""

from __future__ import annotations


class EngineError(Exception):
    """Root of the errors a caller of :class:`SessionService` can cause; messages are translated."""


class SessionNotFoundError(EngineError, LookupError):
    """No session has the requested id."""


class InvalidRequestError(EngineError, ValueError):
    """A turn or intervention request is malformed, such as an unknown kind or a missing field."""


class TurnLimitError(EngineError):
    """The session has reached ``interpreter.max_turns``."""


class NarrationRejectedError(EngineError):
    """The provider's narration broke the canon and could not be reshaped."""
