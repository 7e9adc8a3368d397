"""The interpretation layer: providers that turn a player's turn into narration."""

from loom_runtime.interpretation.base import (
    HistoryTurn,
    Narration,
    NarrationRequest,
    Provider,
    ProviderConfigError,
    ProviderError,
)
from loom_runtime.interpretation.offline import OfflineProvider
from loom_runtime.interpretation.openai import OpenAIProvider
from loom_runtime.interpretation.registry import KNOWN_PROVIDERS, create_provider

__all__ = [
    "KNOWN_PROVIDERS",
    "HistoryTurn",
    "Narration",
    "NarrationRequest",
    "OfflineProvider",
    "OpenAIProvider",
    "Provider",
    "ProviderConfigError",
    "ProviderError",
    "create_provider",
]
