"""Canonical encodings: one form per stored value, whatever the driver returns."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from loom_upgrade.verify.canonical import BOOL, DATETIME, NUMBER, OTHER, TEXT, encode, encoder_for

SAME_VALUE = [
    (BOOL, [True, 1, "t", "true"]),
    (BOOL, [False, 0, "f"]),
    (NUMBER, [3, 3.0, Decimal("3.00"), "3"]),
    (NUMBER, [0.5, Decimal("0.5")]),
    (DATETIME, ["2026-01-02 03:04:05", "2026-01-02T03:04:05", datetime(2026, 1, 2, 3, 4, 5)]),
    (DATETIME, [datetime(2026, 1, 2, 4, 4, 5, tzinfo=timezone(timedelta(hours=1))), "2026-01-02T03:04:05+00:00"]),
]


@pytest.mark.parametrize(("category", "values"), SAME_VALUE)
def test_driver_forms_encode_alike(category, values):
    encodings = {encode(value, category) for value in values}

    assert len(encodings) == 1, encodings


@pytest.mark.parametrize(
    ("value", "category"),
    [("港口", TEXT), ("", TEXT), (None, TEXT), (7, NUMBER), (-2**63, NUMBER), (2.5, NUMBER), (None, NUMBER),
     ("x", NUMBER), (b"\x00\xff", OTHER), (True, BOOL), (0, BOOL), (None, BOOL), ("t", BOOL), ("e\u0301", TEXT),
     (12, TEXT), ("2026-01-02 03:04:05", DATETIME), ("2026-01-02 03:04:05.5+02:00", DATETIME), ("not a date", DATETIME),
     (datetime(2026, 1, 2), DATETIME), (None, DATETIME)],
)
def test_fast_encoder_matches_encode(value, category):
    assert encoder_for(category)(value) == encode(value, category)


def test_distinct_values_never_collide():
    values = [None, "", "N", "0", 0, "1:0", b"", b"N", 0.1, "0.1"]
    encodings = [encode(value, OTHER) for value in values]

    assert len(set(encodings)) == len(values)


@pytest.mark.parametrize(
    ("category", "values"),
    [
        (TEXT, ["港口", "", "e\u0301", "a" * 300]),
        (TEXT, ["x", None, 5]),
        (NUMBER, [0, -7, 2**70, 12]),
        (NUMBER, [1, 2.5, None, True, Decimal("4.0")]),
        (BOOL, [True, 0, None]),
        (DATETIME, ["2026-01-02 03:04:05", None]),
    ],
)
def test_batch_encoder_matches_encode(category, values):
    from loom_upgrade.verify.canonical import batch_encoder_for

    assert batch_encoder_for(category)(values) == b"".join(encode(value, category) for value in values)
