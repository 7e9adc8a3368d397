"""Whether the engine can serve a home: engine settings, language model provider, plugins.

``loom config validate``, ``loom check --compatibility`` and the service's ``/ready`` use
the same engine code (``create_provider``, ``PluginRegistry``), so they report the same
problems in the same words.
"""

from __future__ import annotations

from pathlib import Path

from loom_runtime.config.settings import Settings


def provider_problem(settings: Settings) -> str | None:
    """Return why the engine settings or the configured provider are unusable, or None.

    Building the provider checks its config and its API key variable; no request is sent.
    """
    from loom_runtime.core import SettingsError
    from loom_runtime.interpretation import ProviderConfigError, create_provider

    try:
        engine_settings = settings.engine_settings()
        create_provider(engine_settings.llm_providers, environ=engine_settings.environ).close()
    except (SettingsError, ProviderConfigError) as exc:
        return str(exc)
    return None


def plugin_problems(directory: Path | None) -> tuple[list[str], list[str]]:
    """Load the plugins of ``directory`` as the service does; return (loaded names, every problem)."""
    from loom_runtime.plugins import PluginRegistry

    registry, problems = PluginRegistry.load_all(directory)
    return registry.names(), [str(problem) for problem in problems]
