"""The JSON report (``schemas/report.schema.json``) and JSONL event lines."""

from __future__ import annotations

import datetime
import json
from typing import Any

from loom_upgrade.catalog import Catalog

REPORT_FORMAT = 1


def releases_document(catalog: Catalog) -> list[dict[str, Any]]:
    return [
        {
            "version": r.text,
            "date": r.date,
            "db_revision": r.db_revision,
            "required_stop": r.required_stop,
            "summary": r.summary,
        }
        for r in catalog.releases
    ]


def report_document(
    command: str,
    *,
    exit_code: int,
    plan: dict[str, Any] | None = None,
    preflight: dict[str, Any] | None = None,
    releases: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    outcome: str | None = None,
    rollback: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build one JSON document for one command, with only the parts that command produced."""
    document: dict[str, Any] = {"report_format": REPORT_FORMAT, "command": command, "exit_code": exit_code}
    parts = {
        "plan": plan,
        "preflight": preflight,
        "releases": releases,
        "events": events,
        "outcome": outcome,
        "rollback": rollback,
        "error": error,
    }
    for name, value in parts.items():
        if value is not None:
            document[name] = value
    return document


def event_dict(event: Any) -> dict[str, Any]:
    """Convert an engine event to a plain dict with an ISO 8601 ``timestamp`` beside its epoch time."""
    data = event.to_dict() if hasattr(event, "to_dict") else dict(event)
    moment = data.get("time")
    if isinstance(moment, (int, float)) and "timestamp" not in data:
        data["timestamp"] = datetime.datetime.fromtimestamp(moment, datetime.timezone.utc).isoformat()
    return data


def event_line(event: Any) -> str:
    """Serialize one event as one line of JSON (JSONL), without the trailing newline."""
    return json.dumps(event_dict(event), ensure_ascii=False, default=str, separators=(",", ":"))
