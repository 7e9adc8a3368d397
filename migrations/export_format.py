"""The LOOM export document: constants and the value codecs shared by exporter and importer.

One JSON object, written and read as a stream::

    {"format": "loom-export", "format_version": 1, "release": "1.1.0", "revision": "1100",
     "dialect": "sqlite", "exported_at": "2026-12-04T20:00:00+00:00",
     "tables": [{"name": "narrative_sessions",
                 "columns": [{"name": "id", "type": "varchar(36)"}, ...],
                 "rows": [["5f0c...", "Salt Coast", ...], ...]}, ...],
     "row_counts": {"narrative_sessions": 5002, ...}}

Rows are arrays in the order of ``columns``. Values are JSON strings, numbers, booleans
and null; datetimes are ISO 8601 strings without a time zone (the schema stores naive UTC);
non-finite floats are the strings "NaN", "Infinity" and "-Infinity". ``row_counts`` comes
last, so a truncated file is detected. docs/reference/export-format.md documents it.
"""

from __future__ import annotations

import math
from datetime import datetime

FORMAT_NAME = "loom-export"
FORMAT_VERSION = 1
# Written by the runner and the runtime, never carried between databases.
SKIPPED_TABLES = {"alembic_version"}
# loom_meta.release names the release that last wrote a database; the importing database keeps its own.
SKIPPED_META_KEYS = {"release"}

_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def encode_value(value, kind: str):
    """Return ``value`` (read from a column of type ``kind``) as a JSON-ready value."""
    if value is None:
        return None
    if kind == "datetime":
        return value.isoformat() if isinstance(value, datetime) else str(value)
    if kind == "boolean":
        return bool(value)
    if kind == "float":
        value = float(value)
        if not math.isfinite(value):
            return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        return value
    return value


def decode_value(value, kind: str):
    """Return the Python value to insert into a column of type ``kind``."""
    if value is None:
        return None
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "boolean":
        return bool(value)
    if kind == "float":
        return _NON_FINITE[value] if isinstance(value, str) else float(value)
    return value
