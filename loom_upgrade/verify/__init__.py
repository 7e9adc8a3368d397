"""Data and service verification: row snapshots across upgrades, logical dumps, smoke tests."""

from loom_upgrade.verify.dump import logical_digest, logical_dump
from loom_upgrade.verify.latency import LatencyStats, compare_latency, probe_latency
from loom_upgrade.verify.marks import TableWrites, table_marks, writes_since
from loom_upgrade.verify.rows import (
    Difference,
    RowSnapshot,
    TableSnapshot,
    compare_rows,
    compose_rules,
    expected_after,
    snapshot_rows,
)
from loom_upgrade.verify.smoke import SmokeCheck, SmokeResult, SmokeSettings, smoke

__all__ = [
    "Difference",
    "LatencyStats",
    "SmokeCheck",
    "SmokeResult",
    "SmokeSettings",
    "RowSnapshot",
    "TableSnapshot",
    "TableWrites",
    "compare_latency",
    "compare_rows",
    "compose_rules",
    "expected_after",
    "logical_digest",
    "logical_dump",
    "probe_latency",
    "smoke",
    "snapshot_rows",
    "table_marks",
    "writes_since",
]
