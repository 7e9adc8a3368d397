"""Canonical bytes for database values, so that SQLite and PostgreSQL rows hash the same.

The drivers return the same stored value as different Python objects (SQLite: ``1`` and a
``'2026-01-02 03:04:05.000000'`` string; PostgreSQL: ``True`` and a ``datetime``), so each
value is converted by the category of its column's declared type before it is hashed.
Every encoding starts with a one-letter tag and its length, so no two values collide.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Any
from collections.abc import Callable, Sequence

from sqlalchemy import types as sqltypes

NULL = b"N"

BOOL, NUMBER, DATETIME, DATE, TIME, TEXT, BYTES, OTHER = (
    "bool", "number", "datetime", "date", "time", "text", "bytes", "other",
)


def category_of(column_type: Any) -> str:
    """Map a reflected SQLAlchemy column type to the category that decides its encoding."""
    checks = (
        (sqltypes.Boolean, BOOL),
        (sqltypes.DateTime, DATETIME),
        (sqltypes.Date, DATE),
        (sqltypes.Time, TIME),
        (sqltypes.Integer, NUMBER),
        (sqltypes.Numeric, NUMBER),  # Float is a Numeric subclass
        (sqltypes.String, TEXT),  # Text, VARCHAR and CHAR included
        (sqltypes.LargeBinary, BYTES),
    )
    for klass, category in checks:
        if isinstance(column_type, klass):
            return category
    return OTHER


def category_of_value(value: Any) -> str:
    """Category of a Python value written in a rule (``add_columns``) rather than read from a column."""
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, (int, float, Decimal)):
        return NUMBER
    if isinstance(value, datetime):
        return DATETIME
    if isinstance(value, bytes):
        return BYTES
    return TEXT if isinstance(value, str) else OTHER


def encode(value: Any, category: str) -> bytes:
    """Return the canonical bytes of ``value`` stored in a column of ``category``."""
    if value is None:
        return NULL
    tag, text = _canonical(value, category)
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return tag + str(len(data)).encode() + b":" + data


def encoder_for(category: str) -> Callable[[Any], bytes]:
    """Return a function equal to ``encode(value, category)``, faster for the common types.

    Row snapshots call it once per value, so text and integer values skip the general path.
    """

    def encode_text(value: Any) -> bytes:
        if type(value) is str:
            data = value.encode("utf-8", "surrogatepass")
            return b"S" + str(len(data)).encode() + b":" + data
        return encode(value, category)

    def encode_number(value: Any) -> bytes:
        if type(value) is int:
            data = str(value).encode()
            return b"D" + str(len(data)).encode() + b":" + data
        return encode(value, category)

    def encode_datetime(value: Any) -> bytes:
        moment = value
        if type(value) is str:
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return encode(value, category)
        if type(moment) is datetime and moment.tzinfo is None:
            data = moment.isoformat(timespec="microseconds").encode()
            return b"T" + str(len(data)).encode() + b":" + data
        return encode(value, category)

    def encode_bool(value: Any) -> bytes:
        if value is None:
            return NULL
        if value in (0, 1) and type(value) in (int, bool):
            return b"B1:1" if value else b"B1:0"
        return encode(value, category)

    fast = {TEXT: encode_text, NUMBER: encode_number, DATETIME: encode_datetime, BOOL: encode_bool}
    return fast.get(category) or (lambda value: encode(value, category))


def batch_encoder_for(category: str) -> Callable[[Sequence[Any]], bytes]:
    """Return a function that encodes a column's batch of values, equal to joining ``encode``.

    Batches of plain text or integers are encoded with one list comprehension, which was
    about twice as fast as one call per value for 2,000 values (Python 3.11). Any other
    batch falls back to ``encoder_for``.
    """
    single = encoder_for(category)

    def encode_batch(values: Sequence[Any]) -> bytes:
        return b"".join(map(single, values))

    def encode_text_batch(values: Sequence[Any]) -> bytes:
        try:
            encoded = [value.encode("utf-8", "surrogatepass") for value in values]
        except AttributeError:  # None or a non-text value in the batch
            return encode_batch(values)
        return b"".join([b"S%d:%b" % (len(data), data) for data in encoded])

    def encode_integer_batch(values: Sequence[Any]) -> bytes:
        if not all(type(value) is int for value in values):
            return encode_batch(values)
        digits = [b"%d" % value for value in values]
        return b"".join([b"D%d:%b" % (len(text), text) for text in digits])

    if category == TEXT:
        return encode_text_batch
    if category == NUMBER:
        return encode_integer_batch
    return encode_batch


def _canonical(value: Any, category: str) -> tuple[bytes, str | bytes]:
    if category == BOOL:
        flag = _as_bool(value)
        if flag is not None:
            return b"B", "1" if flag else "0"
    if category == NUMBER or (category == OTHER and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)):
        number = _as_number(value)
        if number is not None:
            return b"D", number
    if category in (DATETIME, DATE, TIME):
        moment = _as_moment(value, category)
        if moment is not None:
            return b"T", moment
    if isinstance(value, (bytes, bytearray, memoryview)):
        return b"X", bytes(value)
    if isinstance(value, (dict, list)):
        return b"J", json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, bool):
        return b"B", "1" if value else "0"
    if isinstance(value, (int, float, Decimal)):
        return b"D", _as_number(value) or repr(value)
    return b"S", str(value)


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("0", "1", "t", "f", "true", "false"):
        return value.lower() in ("1", "t", "true")
    return None


def _as_number(value: Any) -> str | None:
    """Render integral numbers as integers and others as the shortest float repr."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if value.is_nan() or value.is_infinite():
            return str(value)
        if value == value.to_integral_value():
            return str(int(value))
        value = float(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, str):
        try:
            return _as_number(float(value)) if any(ch in value for ch in ".eE") else str(int(value))
        except ValueError:
            return None
    return None


def _as_moment(value: Any, category: str) -> str | None:
    if isinstance(value, str):
        try:
            parsed: Any = (
                datetime.fromisoformat(value) if category == DATETIME
                else date.fromisoformat(value) if category == DATE
                else time.fromisoformat(value)
            )
        except ValueError:
            return None
        value = parsed
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="microseconds")
    return None
