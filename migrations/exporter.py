"""Logical export of a LOOM database to the JSON document of ``export_format``.

Rows are read with a server-side cursor in batches and written one by one, so memory
stays bounded whatever the database size. Used by ``loom export`` (through
loom_runtime.storage.exchange) and by loom-upgrade, which exports a 0.2.0 database itself.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from loom_migrations.dbutil import current_revision_on, data_tables, migration_engine, require_existing
from loom_migrations.export_format import FORMAT_NAME, FORMAT_VERSION, SKIPPED_TABLES, encode_value
from loom_migrations.fingerprint import normalise_type

log = logging.getLogger(__name__)

FETCH_ROWS = 2_000
ExchangeProgress = Callable[[str, int], None]
"""Called as ``progress(table, rows_done_in_table)`` after each batch."""


@dataclass
class ExchangeSummary:
    """What an export or import moved: rows per table, and the source's release and revision."""

    path: Path
    release: str | None
    revision: str | None
    rows: dict[str, int] = field(default_factory=dict)


def export_database(url: str, output_path: str | Path, *, progress: ExchangeProgress | None = None) -> ExchangeSummary:
    """Write every table of the database at ``url`` to ``output_path``.

    The file appears only when complete: rows go to a temporary file in the same folder,
    which is renamed over ``output_path`` at the end.
    """
    require_existing(url)
    output_path = Path(output_path)
    partial = output_path.with_name(output_path.name + ".partial")
    engine = migration_engine(url)
    try:
        # Owner-only from the first byte: the document contains every row, token hashes included.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with engine.connect() as connection, open(descriptor, "w", encoding="utf-8", newline="\n") as out:
            # One snapshot for every table: SQLite's read transaction gives it, PostgreSQL needs
            # REPEATABLE READ because READ COMMITTED takes a new snapshot per statement.
            if connection.dialect.name == "postgresql":
                connection.execution_options(isolation_level="REPEATABLE READ")
            summary = _write_document(connection, out, output_path, progress)
        os.replace(partial, output_path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        engine.dispose()
    log.info("exported %s rows in %s tables to %s", sum(summary.rows.values()), len(summary.rows), output_path)
    return summary


def _write_document(connection, out, output_path: Path, progress) -> ExchangeSummary:
    metadata = sa.MetaData()
    names = [name for name in data_tables(connection) if name not in SKIPPED_TABLES]
    metadata.reflect(connection, only=names)
    release = None
    if "loom_meta" in metadata.tables:
        meta = metadata.tables["loom_meta"]
        release = connection.execute(sa.select(meta.c.value).where(meta.c.key == "release")).scalar()
    summary = ExchangeSummary(path=output_path, release=release, revision=current_revision_on(connection))

    header = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "release": summary.release,
        "revision": summary.revision,
        "dialect": connection.dialect.name,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out.write("{\n")
    for key, value in header.items():
        out.write(f"{json.dumps(key)}: {json.dumps(value)},\n")
    out.write('"tables": [')
    for position, table in enumerate(metadata.sorted_tables):
        out.write(",\n" if position else "\n")
        summary.rows[table.name] = _write_table(connection, table, out, progress)
    out.write('\n],\n"row_counts": ' + json.dumps(summary.rows, sort_keys=True) + "\n}\n")
    return summary


def _write_table(connection, table: sa.Table, out, progress) -> int:
    kinds = [normalise_type(column.type) for column in table.columns]
    columns = [{"name": column.name, "type": kind} for column, kind in zip(table.columns, kinds)]
    out.write(f'{{"name": {json.dumps(table.name)}, "columns": {json.dumps(columns)}, "rows": [')
    order = list(table.primary_key.columns) or list(table.columns)
    result = connection.execution_options(yield_per=FETCH_ROWS).execute(sa.select(table).order_by(*order))
    count = 0
    for batch in result.partitions():
        for row in batch:
            values = [encode_value(value, kind) for value, kind in zip(row, kinds)]
            out.write(("," if count else "") + "\n" + json.dumps(values, ensure_ascii=False, allow_nan=False))
            count += 1
        if progress is not None:
            progress(table.name, count)
    out.write("\n]}")
    return count
