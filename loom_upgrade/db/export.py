"""loom-upgrade's own export of a home's database, for the 0.2.0 -> 1.0.0 export-import path.

The 0.2.0 runtime has no ``loom export``, so loom-upgrade writes the document itself with
the exporter shared through loom_migrations: the same format ``loom import`` of 1.x reads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from loom_migrations.errors import MigrationsError
from loom_migrations.exporter import export_database
from loom_upgrade.db.errors import translate_migrations_error
from loom_upgrade.db.urls import home_database_url, redact_url

log = logging.getLogger(__name__)


def export_home(home: Path, output: Path, *, progress: Callable[[str, int], None] | None = None) -> Path:
    """Export every table of ``home``'s database to ``output`` (readable by its owner only)."""
    url = home_database_url(Path(home))
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    log.info("exporting %s to %s", redact_url(url), output)
    try:
        export_database(url, output, progress=progress)
    except MigrationsError as exc:
        raise translate_migrations_error(exc) from exc
    output.chmod(0o600)  # the export contains every row of the database
    return output
