"""A dialect-neutral logical dump of a database, for checking that two databases are equal.

Unlike ``sqlite3 .dump`` or ``pg_dump``, the output does not depend on the dialect or on
the physical layout. It lists every table (bookkeeping tables included) with its columns,
primary key, indexes and foreign keys. Each row follows as canonical JSON, in primary-key
order. A restored database equals the backed-up one when their dumps are equal.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL

from loom_upgrade.verify.canonical import encode
from loom_upgrade.verify.tables import open_engine, reflect_tables, stream_rows


def logical_dump(db_url: str | URL, *, home: Path | None = None) -> Iterator[str]:
    """Yield the dump of the database at ``db_url`` line by line, streamed."""
    engine = open_engine(db_url, home)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            for table in reflect_tables(connection, include_bookkeeping=True):
                yield "TABLE " + json.dumps(
                    {
                        "name": table.name,
                        "columns": list(zip(table.columns, table.categories)),
                        "primary_key": list(table.primary_key),
                        "indexes": sorted(
                            [index["name"] or "", list(index["column_names"]), bool(index.get("unique"))]
                            for index in inspector.get_indexes(table.name)
                        ),
                        "foreign_keys": sorted(
                            [list(fk["constrained_columns"]), fk["referred_table"], list(fk["referred_columns"])]
                            for fk in inspector.get_foreign_keys(table.name)
                        ),
                    },
                    ensure_ascii=False,
                )
                for row in stream_rows(connection, table):
                    yield "ROW " + json.dumps(
                        [encode(value, category).decode("utf-8", "backslashreplace")
                         for value, category in zip(row, table.categories)],
                        ensure_ascii=False,
                    )
    finally:
        engine.dispose()


def logical_digest(db_url: str | URL, *, home: Path | None = None) -> str:
    """Return the sha256 of ``logical_dump(db_url)``."""
    hasher = hashlib.sha256()
    for line in logical_dump(db_url, home=home):
        hasher.update(line.encode("utf-8", "surrogatepass") + b"\n")
    return hasher.hexdigest()
