"""Estimate backup size and duration per hop from the home's real table sizes.

These are estimates: the rates below are round figures for a local SSD, not
measurements of this machine, and the plan states them next to every figure.
"""

from __future__ import annotations

from typing import Any

from loom_upgrade.catalog import EXPORT_IMPORT
from loom_upgrade.home.model import HomeState
from loom_upgrade.planner.hops import Hop

RATES = {
    # Copying the database through the SQLite backup API or pg_dump, then checksumming it.
    "backup_bytes_per_second": 50 * 1024 * 1024,
    # Rows rewritten by a migration (SQLite batch mode copies a whole table).
    "migrate_rows_per_second": 50_000,
    # Rows read and checksummed by the per-hop data verification.
    "verify_rows_per_second": 200_000,
    # Config, .env, canon and plugin edits plus process start-up, per hop.
    "hop_overhead_seconds": 2.0,
}


def _rows(home: HomeState, table: str) -> int:
    stats = home.tables.get(table)
    return stats.rows if stats is not None else 0


def rows_rewritten(home: HomeState, hop: Hop) -> int:
    """Rows the hop's migration rewrites: whole tables for export/import, else the tables
    its row rules name (under their old names when a rule renames them)."""
    if hop.path == EXPORT_IMPORT:
        return home.total_rows
    total = 0
    for table, rule in hop.edge.rows.items():
        if rule.get("new_table"):
            continue
        total += _rows(home, rule.get("renamed_from", table))
    return total


def backup_estimate(home: HomeState) -> dict[str, Any]:
    size = home.db_bytes + home.files_bytes
    return {"bytes": size, "seconds": round(size / RATES["backup_bytes_per_second"], 1)}


def estimate_hops(home: HomeState, hops: list[Hop]) -> dict[str, Any]:
    """Fill every hop's estimate and return the plan-level estimate document."""
    backup = backup_estimate(home)
    total = backup["seconds"]
    for hop in hops:
        rewritten = rows_rewritten(home, hop)
        seconds = (
            RATES["hop_overhead_seconds"]
            + rewritten / RATES["migrate_rows_per_second"]
            + home.total_rows / RATES["verify_rows_per_second"]
        )
        hop.estimate = {
            "rows_rewritten": rewritten,
            "backup_bytes": backup["bytes"],
            "backup_seconds": backup["seconds"],
            "seconds": round(seconds, 1),
        }
        total += seconds
    return {
        "basis": "estimate",
        "rates": dict(RATES),
        "total_rows": home.total_rows,
        "backup": backup,
        "seconds": round(total, 1),
    }
