"""The typed settings LOOM runs with, built from any release's config format plus ``.env``.

Every config format of the catalog maps onto one ``Settings`` object, so code stamped with
an older release can read its own home. Keys that a format lacks take that release's defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url


@dataclass(frozen=True)
class ProviderSettings:
    name: str
    model: str
    temperature: float = 0.7
    base_url: str | None = None
    api_key_env: str | None = None
    timeout: float | None = None
    max_retries: int | None = None


@dataclass(frozen=True)
class Settings:
    home: Path
    config_format: str
    host: str
    port: int
    request_timeout: float
    provider: ProviderSettings
    providers: dict[str, ProviderSettings]
    storage_url: str
    canon_default: Path
    log_level: str
    max_turns: int
    seed_sessions: bool
    interpreter_mode: str
    consistency_level: str
    max_facts_per_turn: int
    retrieval_limit: int
    intervention_mode: str
    monitoring_enabled: bool
    metrics_export_port: int | None
    token_ttl: int
    plugins_dir: Path
    plugin_api_version: int
    # Every variable from .env and the process environment; secrets included, so never log it.
    environment: dict[str, str] = field(default_factory=dict, repr=False)

    def api_key(self) -> str | None:
        """Return the provider's API key from the variable its config names, if any."""
        name = self.provider.api_key_env or ("OPENAI_API_KEY" if self.provider.name == "openai" else None)
        return self.environment.get(name) if name else None

    def engine_settings(self):
        """Return the engine's view of these settings (``loom_runtime.core.EngineSettings``)."""
        from loom_runtime.core.settings import EngineSettings

        providers: dict[str, Any] = {"default": self.provider.name}
        for name, provider in self.providers.items():
            values = {key: value for key, value in vars(provider).items() if key != "name" and value is not None}
            providers[name] = values
        return EngineSettings(
            llm_providers=providers,
            consistency_level=self.consistency_level,
            handling_mode=self.intervention_mode,
            interpreter_mode=self.interpreter_mode,
            retrieval_limit=self.retrieval_limit,
            max_facts_per_turn=self.max_facts_per_turn,
            max_turns=self.max_turns,
            seed_sessions=self.seed_sessions,
            plugins_directory=self.plugins_dir,
            environ=self.environment,
        )

    def storage_url_for_display(self) -> str:
        """Return the storage URL with any password masked."""
        return make_url(self.storage_url).render_as_string(hide_password=True)


def sqlite_url_for(home: Path, relative_or_absolute: str) -> str:
    """Return an SQLAlchemy URL for a SQLite file named relative to the home."""
    path = Path(relative_or_absolute)
    if not path.is_absolute():
        path = home / path
    return f"sqlite:///{path}"


def resolve_storage_url(home: Path, url: str) -> str:
    """Make a relative SQLite URL (``sqlite:///data/loom.db``) absolute against the home."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return url
    if Path(parsed.database).is_absolute():
        return url
    return parsed.set(database=str(home / parsed.database)).render_as_string(hide_password=False)


def _providers(document: dict[str, Any]) -> tuple[str, dict[str, ProviderSettings]]:
    if "llm" in document:  # format 0.1.0
        llm = document["llm"]
        return llm["provider"], {llm["provider"]: ProviderSettings(llm["provider"], llm["model"])}
    section = document["llm_providers"]
    found = {}
    for name, values in section.items():
        if name == "default":
            continue
        found[name] = ProviderSettings(name=name, **values)
    return section["default"], found


def settings_from_document(home: Path, document: dict[str, Any], config_format: str,
                           environment: dict[str, str]) -> Settings:
    """Build ``Settings`` from a validated config document of ``config_format``."""
    default_provider, providers = _providers(document)
    interpreter = document.get("interpreter") or document.get("engine") or {}
    memory = document.get("memory", {})
    storage = document["storage"]
    if "url" in storage:
        storage_url = resolve_storage_url(home, storage["url"])
    else:
        storage_url = sqlite_url_for(home, storage["path"])
    monitoring = document.get("monitoring", {})
    plugins = document.get("plugins", {})
    return Settings(
        home=home,
        config_format=config_format,
        host=document["server"]["host"],
        port=document["server"]["port"],
        request_timeout=float(document["server"].get("request_timeout", 30)),
        provider=providers[default_provider],
        providers=providers,
        storage_url=storage_url,
        canon_default=home / document["canon"]["default"],
        log_level=document["logging"]["level"],
        max_turns=interpreter.get("max_turns", 500),
        seed_sessions=interpreter.get("seed_sessions", True),
        interpreter_mode=interpreter.get("mode", "advanced"),
        consistency_level=document.get("consistency", {}).get("level", "medium"),
        max_facts_per_turn=memory.get("max_facts_per_turn", 8),
        retrieval_limit=memory.get("retrieval_limit", 8),
        intervention_mode=document.get("intervention", {}).get("handling_mode", "adaptive"),
        monitoring_enabled=monitoring.get("enabled", False),
        # METRICS_EXPORT_PORT in .env or the environment overrides this (see loader.OVERRIDES).
        metrics_export_port=monitoring.get("metrics_port"),
        token_ttl=document.get("auth", {}).get("token_ttl", 86400),
        plugins_dir=home / plugins.get("directory", "plugins"),
        plugin_api_version=plugins.get("api_version", 0),
        environment=environment,
    )
