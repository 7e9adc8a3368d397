"""What loom-upgrade needs from a LOOM database, on top of loom_migrations.

Locating a home's database, its row counts and table sizes live in ``loom_upgrade.home``;
this package adds the export of a 0.2.0 database, integrity checks, URL redaction and
the translation of loom_migrations errors into loom-upgrade errors with exit codes.
"""

from __future__ import annotations

from loom_upgrade.db.errors import translate_migrations_error
from loom_upgrade.db.export import export_home
from loom_upgrade.db.integrity import foreign_key_violations, integrity_problems
from loom_upgrade.db.urls import home_database_url, redact_url

__all__ = [
    "export_home",
    "foreign_key_violations",
    "home_database_url",
    "integrity_problems",
    "redact_url",
    "translate_migrations_error",
]
