"""The engine's view of a home's config and environment.

The service layer loads the config, and the engine needs only a few of its values. So
the engine accepts an :class:`EngineSettings`, a plain config mapping (the 1.1.0
``config/default_config.yaml`` as a dict), or an object that carries such a mapping. The
``.env`` variables override the config, as in every release since 0.10.0.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loom_runtime.i18n import _

CONSISTENCY_LEVELS = ("low", "medium", "high")
HANDLING_MODES = ("strict", "adaptive")
INTERPRETER_MODES = ("basic", "advanced")
DEFAULT_SEED = 1


class SettingsError(ValueError):
    """A value the engine reads from the config or environment is invalid."""


@dataclass(frozen=True)
class EngineSettings:
    """The settings of the engine's layers.

    ``interpreter_mode`` sets what a turn's narration is built from. ``basic``: the
    canon, the player's input and the previous turn only. ``advanced``: also up to
    ``retrieval_limit`` remembered facts and the last four turns, and the consistency
    check compares the narration with those facts. Both modes record new facts.
    """

    llm_providers: Mapping[str, Any] = field(default_factory=lambda: {"default": "offline", "offline": {"model": "loom-offline-1", "temperature": 0.7}})
    consistency_level: str = "medium"
    handling_mode: str = "strict"
    interpreter_mode: str = "advanced"
    retrieval_limit: int = 8
    max_facts_per_turn: int = 5
    max_turns: int = 200
    seed_sessions: bool = True
    default_seed: int = DEFAULT_SEED
    plugins_directory: Path | None = None
    # Environment the providers read API keys from; None means os.environ.
    environ: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        if self.consistency_level not in CONSISTENCY_LEVELS:
            raise SettingsError(
                _("The consistency level '{level}' is invalid.").format(level=self.consistency_level)
                + " "
                + _("Set CONSISTENCY_CHECK_LEVEL or consistency.level to low, medium or high.")
            )
        if self.handling_mode not in HANDLING_MODES:
            raise SettingsError(
                _("The intervention handling mode '{mode}' is invalid.").format(mode=self.handling_mode)
                + " "
                + _("Set INTERVENTION_HANDLING_MODE or intervention.handling_mode to strict or adaptive.")
            )
        if self.interpreter_mode not in INTERPRETER_MODES:
            raise SettingsError(
                _("The interpreter mode '{mode}' is invalid.").format(mode=self.interpreter_mode)
                + " "
                + _("Set NARRATIVE_INTERPRETER_MODE or interpreter.mode to basic or advanced.")
            )
        if self.retrieval_limit < 1:
            raise SettingsError(_("memory.retrieval_limit must be at least 1, not {value}.").format(value=self.retrieval_limit))

    @classmethod
    def from_config(cls, config: Mapping[str, Any], environ: Mapping[str, str] | None = None, home: Path | None = None) -> EngineSettings:
        """Build settings from a 1.1.0 config mapping, with ``.env`` overrides from ``environ``."""
        env = os.environ if environ is None else environ
        consistency = config.get("consistency") or {}
        intervention = config.get("intervention") or {}
        memory = config.get("memory") or {}
        interpreter = config.get("interpreter") or {}
        plugins = config.get("plugins") or {}
        directory = plugins.get("directory")
        if directory and home is not None:
            directory = Path(home) / directory
        defaults = cls()
        return cls(
            llm_providers=config.get("llm_providers") or defaults.llm_providers,
            consistency_level=(env.get("CONSISTENCY_CHECK_LEVEL") or consistency.get("level") or defaults.consistency_level).strip().lower(),
            handling_mode=(env.get("INTERVENTION_HANDLING_MODE") or intervention.get("handling_mode") or defaults.handling_mode).strip().lower(),
            interpreter_mode=(env.get("NARRATIVE_INTERPRETER_MODE") or interpreter.get("mode") or defaults.interpreter_mode).strip().lower(),
            retrieval_limit=int(memory.get("retrieval_limit", defaults.retrieval_limit)),
            max_facts_per_turn=int(memory.get("max_facts_per_turn", defaults.max_facts_per_turn)),
            max_turns=int(interpreter.get("max_turns", defaults.max_turns)),
            seed_sessions=bool(interpreter.get("seed_sessions", defaults.seed_sessions)),
            plugins_directory=Path(directory) if directory else None,
            environ=environ,
        )


def coerce_settings(settings: Any) -> EngineSettings:
    """Return ``settings`` as :class:`EngineSettings`.

    Accepts EngineSettings, None (the defaults), a config mapping, or an object with a
    ``config`` mapping (and optionally ``environ`` and ``home``) such as the service
    layer's settings.
    """
    if settings is None:
        return EngineSettings()
    if isinstance(settings, EngineSettings):
        return settings
    if isinstance(settings, Mapping):
        return EngineSettings.from_config(settings)
    engine_settings = getattr(settings, "engine_settings", None)
    if callable(engine_settings):
        return coerce_settings(engine_settings())
    config = getattr(settings, "config", None)
    if isinstance(config, Mapping):
        environ = getattr(settings, "environ", None) or getattr(settings, "env", None)
        return EngineSettings.from_config(config, environ=environ, home=getattr(settings, "home", None))
    raise TypeError(f"cannot read engine settings from {type(settings).__name__}")
