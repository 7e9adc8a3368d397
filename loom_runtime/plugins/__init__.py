"""The plugin layer: the LoomPlugin interface and the registry that loads plugins."""

from loom_runtime.plugins.base import (
    API_VERSION,
    CAPABILITIES,
    MEMORY_FACT_ADDED,
    SESSION_START,
    TURN_POST_PROCESS,
    LoomPlugin,
    PluginContext,
)
from loom_runtime.plugins.manifest import PluginError, PluginManifest, load_manifest
from loom_runtime.plugins.registry import LoadedPlugin, PluginRegistry

__all__ = [
    "API_VERSION",
    "CAPABILITIES",
    "MEMORY_FACT_ADDED",
    "SESSION_START",
    "TURN_POST_PROCESS",
    "LoadedPlugin",
    "LoomPlugin",
    "PluginContext",
    "PluginError",
    "PluginManifest",
    "PluginRegistry",
    "load_manifest",
]
