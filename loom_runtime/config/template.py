"""The config and ``.env`` that ``loom init`` writes for a new home."""

from __future__ import annotations

from loom_runtime.config.formats import release_info

CONFIG_1_0 = """\
# LOOM settings. The .env file beside config/ overrides some of them; see the comments there.
server:
  host: 127.0.0.1
  port: 8000
  request_timeout: 30  # seconds before a turn request times out
llm_providers:
  default: offline
  offline:
    model: loom-offline-1
    temperature: 0.7  # sampling temperature, 0 to 2
storage:
  url: sqlite:///data/loom.db  # relative to the home, or a postgresql:// URL
canon:
  default: canon/default.md
logging:
  level: INFO
interpreter:
  max_turns: 500  # turns per session before it is closed
  seed_sessions: true
  mode: advanced  # narrative interpreter mode: basic or advanced
consistency:
  level: medium  # consistency checks against the canon: low, medium or high
memory:
  max_facts_per_turn: 8
{retrieval}intervention:
  handling_mode: adaptive  # strict rejects interventions that break the canon; adaptive reshapes them
monitoring:
  enabled: true
  metrics_port: 8001
auth:
  token_ttl: 86400  # default lifetime of API tokens, in seconds
plugins:
  directory: plugins
  api_version: 1
"""

RETRIEVAL_1_1 = "  retrieval_limit: 8  # facts retrieved for each turn\n"

ENV_TEMPLATE = """\
# Environment overrides for LOOM; the process environment wins over this file.
LOOM_LOG_LEVEL=INFO
# API key of the openai provider (read from the variable its api_key_env names)
# OPENAI_API_KEY=
# Narrative interpreter mode
NARRATIVE_INTERPRETER_MODE=advanced
# Consistency check level: low, medium or high
CONSISTENCY_CHECK_LEVEL=medium
# Intervention handling mode: strict or adaptive
INTERVENTION_HANDLING_MODE=adaptive
# Performance monitoring
ENABLE_PERFORMANCE_MONITORING=true
# Port of a separate Prometheus metrics listener (metrics are also served on the API port)
# METRICS_EXPORT_PORT=8001
# Storage URL; overrides storage.url in the config
# LOOM_STORAGE_URL=postgresql+psycopg://loom@127.0.0.1:5432/loom
"""


def default_config_text(release: str) -> str:
    """Return the config of a new home for ``release``; raise ``KeyError`` for a format without a template."""
    config_format = release_info(release).format_release
    if config_format == "1.1.0":
        return CONFIG_1_0.format(retrieval=RETRIEVAL_1_1)
    if config_format == "1.0.0":
        return CONFIG_1_0.format(retrieval="")
    raise KeyError(config_format)


def default_env_text() -> str:
    return ENV_TEMPLATE
