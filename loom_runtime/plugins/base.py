"""The plugin interface of LOOM 1.0.0 and later (manifest ``api_version: 1``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

TURN_POST_PROCESS = "turn.post_process"
SESSION_START = "session.start"
MEMORY_FACT_ADDED = "memory.fact_added"
CAPABILITIES = (TURN_POST_PROCESS, SESSION_START, MEMORY_FACT_ADDED)
API_VERSION = 1


@dataclass(frozen=True)
class PluginContext:
    """Session data passed to every hook."""

    session_id: str
    seed: int
    turn_index: int | None = None
    canon_title: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


class LoomPlugin:
    """Base class of a plugin; override the hooks of the capabilities the manifest lists.

    ``settings`` is the manifest's ``settings`` mapping. Hooks run in the request that
    triggers them, so they should be quick and must not block on the network.
    """

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        self.settings = dict(settings or {})

    def on_session_start(self, context: PluginContext) -> None:
        """``session.start``: called once when a session is created."""

    def post_process_turn(self, context: PluginContext, narration: str) -> str:
        """``turn.post_process``: return the narration, possibly changed, before it is stored."""
        return narration

    def on_fact_added(self, context: PluginContext, fact: str) -> None:
        """``memory.fact_added``: called after a fact is remembered."""
