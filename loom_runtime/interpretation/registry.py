"""Choosing the provider named in ``llm_providers`` of the config."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loom_runtime.i18n import _
from loom_runtime.interpretation.base import Provider, ProviderConfigError
from loom_runtime.interpretation.offline import DEFAULT_MODEL, OfflineProvider
from loom_runtime.interpretation.openai import OpenAIProvider

KNOWN_PROVIDERS = ("offline", "openai")


def create_provider(
    llm_providers: Mapping[str, Any] | None, name: str | None = None, environ: Mapping[str, str] | None = None
) -> Provider:
    """Build the provider ``name``, else ``llm_providers.default``, else the offline one."""
    llm_providers = llm_providers or {}
    chosen = name or llm_providers.get("default") or "offline"
    settings = llm_providers.get(chosen) or {}
    if chosen == "offline":
        return OfflineProvider(model=settings.get("model", DEFAULT_MODEL), temperature=float(settings.get("temperature", 0.7)))
    if chosen == "openai":
        if "model" not in settings:
            raise ProviderConfigError(
                _("The provider 'openai' has no model in llm_providers.openai.") + " " + _("Add 'model: <name>' under llm_providers.openai.")
            )
        return OpenAIProvider(
            model=settings["model"],
            base_url=settings.get("base_url", "https://api.openai.com"),
            api_key_env=settings.get("api_key_env", "OPENAI_API_KEY"),
            temperature=float(settings.get("temperature", 0.7)),
            timeout=float(settings.get("timeout", 30)),
            max_retries=int(settings.get("max_retries", 3)),
            environ=environ,
        )
    raise ProviderConfigError(
        _("The language model provider '{name}' is unknown.").format(name=chosen)
        + " "
        + _("Set llm_providers.default to one of: {known}.").format(known=", ".join(KNOWN_PROVIDERS))
    )
