"""Config of a LOOM home: formats by release, validation with file and line, typed settings."""

from loom_runtime.config.errors import ConfigError, ConfigFormatError, Problem
from loom_runtime.config.loader import CONFIG_FILE, ENV_FILE, config_path, env_path, load_settings
from loom_runtime.config.settings import ProviderSettings, Settings
from loom_runtime.config.validate import check_config

__all__ = [
    "CONFIG_FILE",
    "ENV_FILE",
    "ConfigError",
    "ConfigFormatError",
    "Problem",
    "ProviderSettings",
    "Settings",
    "check_config",
    "config_path",
    "env_path",
    "load_settings",
]
