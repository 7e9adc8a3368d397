"""File migrations of loom-upgrade: config (YAML), ``.env``, canon Markdown and plugin manifests.

Every change is a minimal text edit of the operator's file, checked by parsing the result
before the file is replaced atomically. ``apply_edge`` runs all kinds of one catalog edge;
the per-kind functions run one kind on one file or folder.
"""

from loom_upgrade.migrate.canon import migrate_canon, rewrite_text
from loom_upgrade.migrate.config import migrate_config_file, migrate_config_text
from loom_upgrade.migrate.edge import KINDS, apply_edge
from loom_upgrade.migrate.env import check_env_file, migrate_env_file, migrate_env_text
from loom_upgrade.migrate.plugins import convert_manifest_text, migrate_plugins
from loom_upgrade.migrate.report import FileReport, MigrationReport

__all__ = [
    "KINDS",
    "FileReport",
    "MigrationReport",
    "apply_edge",
    "check_env_file",
    "convert_manifest_text",
    "migrate_canon",
    "migrate_config_file",
    "migrate_config_text",
    "migrate_env_file",
    "migrate_env_text",
    "migrate_plugins",
    "rewrite_text",
]
