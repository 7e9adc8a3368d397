"""The one interface every language model provider implements."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field

from loom_runtime.rules.model import Canon


@dataclass(frozen=True)
class HistoryTurn:
    """An earlier turn of the session, given to the provider as context."""

    turn_index: int
    player_input: str
    narration: str


@dataclass(frozen=True)
class NarrationRequest:
    """Everything a provider needs to narrate one turn."""

    canon: Canon
    session_id: str
    turn_index: int
    player_input: str
    seed: int
    # Remembered facts relevant to this turn, pinned facts first.
    facts: tuple[str, ...] = ()
    history: tuple[HistoryTurn, ...] = ()


@dataclass(frozen=True)
class Narration:
    """A provider's narration of one turn.

    Providers do not choose the facts a turn establishes: the session derives them from
    the stored narration (``loom_runtime.memory.extraction``), the same for every provider.
    """

    text: str
    provider: str
    model: str
    token_count: int | None = None
    facts_used: tuple[str, ...] = field(default=())


class ProviderError(Exception):
    """A provider failed to narrate a turn; the message gives the reason and the next step."""


class ProviderConfigError(ProviderError):
    """The provider named in the config is unknown or its settings are unusable."""


class Provider(abc.ABC):
    """A language model provider: turns a :class:`NarrationRequest` into a :class:`Narration`."""

    name: str = ""

    @abc.abstractmethod
    def narrate(self, request: NarrationRequest) -> Narration:
        """Narrate the turn; raise :class:`ProviderError` when the provider fails."""

    def close(self) -> None:
        """Release network clients; the default provider holds none."""
