"""``loom export`` and ``loom import``: the logical JSON export of every table.

The implementation lives in loom_migrations (``exporter`` and ``importer``) because
loom-upgrade writes the same format when it exports a 0.2.0 database itself, and it
cannot import loom_runtime. The format is documented in docs/reference/export-format.md.
"""

from __future__ import annotations

from loom_migrations.exporter import ExchangeProgress, ExchangeSummary, export_database
from loom_migrations.importer import import_database

__all__ = ["ExchangeProgress", "ExchangeSummary", "export_database", "import_database"]
