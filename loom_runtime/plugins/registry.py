"""The one plugin registry: discovers manifests, imports plugins and runs their hooks."""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from loom_runtime.i18n import _
from loom_runtime.plugins.base import MEMORY_FACT_ADDED, SESSION_START, TURN_POST_PROCESS, LoomPlugin, PluginContext
from loom_runtime.plugins.manifest import LEGACY_MANIFEST_NAME, MANIFEST_NAME, PluginError, PluginManifest, read_manifest

logger = logging.getLogger(__name__)


@dataclass
class LoadedPlugin:
    manifest: PluginManifest
    instance: LoomPlugin

    def has(self, capability: str) -> bool:
        return capability in self.manifest.capabilities


class PluginRegistry:
    """The loaded plugins, in name order, and the dispatch of their hooks."""

    def __init__(self, plugins: list[LoadedPlugin] | None = None) -> None:
        self.plugins = sorted(plugins or [], key=lambda plugin: plugin.manifest.name)

    @classmethod
    def load(cls, directory: Path | None) -> PluginRegistry:
        """Load every ``<directory>/<name>/loom-plugin.yaml``; raise the first :class:`PluginError` of an invalid one."""
        registry, problems = cls.load_all(directory)
        if problems:
            raise problems[0]
        return registry

    @classmethod
    def load_all(cls, directory: Path | None) -> tuple[PluginRegistry, list[PluginError]]:
        """Load every valid plugin and return them with every problem of the others.

        ``load`` (used by ``loom run`` and the service) and ``loom check`` both go through
        here, so a plugin the checks accept is one the service loads.
        """
        if directory is None or not Path(directory).is_dir():
            return cls(), []
        loaded: dict[str, LoadedPlugin] = {}
        problems: list[PluginError] = []
        for folder in sorted(path for path in Path(directory).iterdir() if path.is_dir()):
            manifest_path = folder / MANIFEST_NAME
            if not manifest_path.is_file():
                if (folder / LEGACY_MANIFEST_NAME).is_file():
                    problems.append(PluginError(
                        folder / LEGACY_MANIFEST_NAME, None,
                        _("This plugin manifest has format 0, which LOOM 1.0.0 and later no longer load."),
                        _("Run 'loom-upgrade' to migrate it to loom-plugin.yaml, or rewrite it by hand."),
                    ))
                continue
            manifest, manifest_problems = read_manifest(manifest_path)
            problems.extend(manifest_problems)
            if manifest is None:
                continue
            if manifest.name in loaded:
                problems.append(PluginError(
                    manifest_path, None, _("The plugin name '{name}' is already used by {other}.").format(name=manifest.name, other=loaded[manifest.name].manifest.path),
                    _("Give each plugin a unique name."),
                ))
                continue
            try:
                loaded[manifest.name] = LoadedPlugin(manifest, _instantiate(manifest))
            except PluginError as exc:
                problems.append(exc)
                continue
            logger.info("Loaded plugin %s %s from %s", manifest.name, manifest.version, folder)
        return cls(list(loaded.values())), problems

    def without(self, names: set[str]) -> PluginRegistry:
        """Return a registry of the same plugins minus those named in ``names``."""
        return PluginRegistry([plugin for plugin in self.plugins if plugin.manifest.name not in names])

    def names(self) -> list[str]:
        return [plugin.manifest.name for plugin in self.plugins]

    def session_started(self, context: PluginContext) -> None:
        for plugin in self._with(SESSION_START):
            _run_hook(plugin, SESSION_START, plugin.instance.on_session_start, context)

    def post_process_turn(self, context: PluginContext, narration: str) -> str:
        for plugin in self._with(TURN_POST_PROCESS):
            result = _run_hook(plugin, TURN_POST_PROCESS, plugin.instance.post_process_turn, context, narration)
            if isinstance(result, str) and result.strip():
                narration = result
            else:
                logger.warning("Plugin %s returned no narration from turn.post_process; keeping the narration unchanged", plugin.manifest.name)
        return narration

    def fact_added(self, context: PluginContext, fact: str) -> None:
        for plugin in self._with(MEMORY_FACT_ADDED):
            _run_hook(plugin, MEMORY_FACT_ADDED, plugin.instance.on_fact_added, context, fact)

    def _with(self, capability: str) -> Iterator[LoadedPlugin]:
        return (plugin for plugin in self.plugins if plugin.has(capability))


def _run_hook(plugin: LoadedPlugin, capability: str, hook, *args):
    """Call one plugin hook. A hook that raises an exception is logged and skipped, so the player's turn is kept."""
    try:
        return hook(*args)
    except Exception:  # noqa: BLE001 - plugin code may raise anything
        logger.exception("Plugin %s failed in %s for session %s; continuing without it",
                         plugin.manifest.name, capability, getattr(args[0], "session_id", "-"))
        return None


def _instantiate(manifest: PluginManifest) -> LoomPlugin:
    module_name, _sep, class_name = manifest.entry_point.partition(":")
    try:
        with _importable(manifest.folder):
            module = importlib.import_module(module_name)
    except ImportError as exc:
        raise PluginError(
            manifest.path, None, _("The entry point module '{module}' cannot be imported: {reason}").format(module=module_name, reason=exc),
            _("Put the module in the plugin's folder or install it into LOOM's environment."),
        ) from exc
    except Exception as exc:  # noqa: BLE001 - a plugin's module may raise anything while it loads
        raise PluginError(
            manifest.path, None,
            _("The entry point module '{module}' failed while loading: {error}: {reason}").format(module=module_name, error=type(exc).__name__, reason=exc),
            _("Fix the plugin's code, or remove its folder from the plugins directory."),
        ) from exc
    plugin_class = getattr(module, class_name, None)
    if not (isinstance(plugin_class, type) and issubclass(plugin_class, LoomPlugin)):
        raise PluginError(
            manifest.path, None, _("The entry point '{entry_point}' is not a LoomPlugin subclass.").format(entry_point=manifest.entry_point),
            _("Make it a class that inherits from loom_runtime.plugins.LoomPlugin."),
        )
    try:
        return plugin_class(manifest.settings)
    except Exception as exc:  # noqa: BLE001 - a plugin's constructor may raise anything
        raise PluginError(
            manifest.path, None,
            _("The plugin class '{entry_point}' failed to start: {error}: {reason}").format(entry_point=manifest.entry_point, error=type(exc).__name__, reason=exc),
            _("Check the plugin's settings in its manifest, or fix the plugin's code."),
        ) from exc


@contextmanager
def _importable(folder: Path) -> Iterator[None]:
    """Let the plugin's own folder provide its modules during the import only."""
    entry = str(folder)
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        if entry in sys.path:
            sys.path.remove(entry)
