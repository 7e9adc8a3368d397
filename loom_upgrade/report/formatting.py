"""Small formatting helpers shared by the renderers."""

from __future__ import annotations

import json
from typing import Any

from loom_upgrade.i18n import _


def human_bytes(count: int | None) -> str:
    if count is None:
        return _("unknown")
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def human_seconds(seconds: float | None) -> str:
    if seconds is None:
        return _("unknown")
    if seconds < 60:
        return _("{seconds:.1f} s").format(seconds=seconds)
    return _("{minutes:.0f} min {seconds:.0f} s").format(minutes=seconds // 60, seconds=seconds % 60)


def yaml_value(value: Any) -> str:
    """Show a config value the way it reads in YAML (true, 0.7, "text")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def config_op_text(op: dict[str, Any]) -> str:
    name = op["op"]
    if name in ("add_key", "set_default"):
        text = f"{op['path']}: {yaml_value(op['value'])}"
        return text + (f"  # {op['comment']}" if op.get("comment") else "")
    if name == "set_value":
        return _("{path} is overwritten with {value}").format(path=op["path"], value=yaml_value(op["value"]))
    if name == "rename_key":
        return _("{path} is renamed to {to}").format(path=op["path"], to=op["to"])
    if name == "move_key":
        return _("{path} moves to {to}").format(path=op["path"], to=op["to"])
    if name == "remove_key":
        if op.get("only_if_empty"):
            return _("{path} is removed when empty").format(path=op["path"])
        return _("{path} is removed").format(path=op["path"])
    return json.dumps(op, ensure_ascii=False)


def env_merge_text(hop: dict[str, Any]) -> str:
    """Describe what the hop does to the operator's ``.env``."""
    parts = []
    if hop["env_added"]:
        parts.append(
            _("keeps every existing value and comment and appends {names} where they are not set").format(
                names=", ".join(var["name"] for var in hop["env_added"])
            )
        )
    if hop["env_renamed"]:
        parts.append(
            _("renames {pairs} in place").format(
                pairs=", ".join(f"{var['name']} -> {var['to']}" for var in hop["env_renamed"])
            )
        )
    if hop["env_removed"]:
        parts.append(_("removes {names}").format(names=", ".join(hop["env_removed"])))
    return "; ".join(parts) if parts else _("no change")


def row_rule_text(table: str, rule: dict[str, Any]) -> str:
    """Describe how one table's rows change, e.g. ``narrative_turns: renamed from game_turns``."""
    parts = []
    if rule.get("new_table"):
        parts.append(_("new table"))
    if rule.get("renamed_from"):
        parts.append(_("renamed from {name}").format(name=rule["renamed_from"]))
    for old, new in (rule.get("rename_columns") or {}).items():
        parts.append(_("column {old} renamed to {new}").format(old=old, new=new))
    for column in rule.get("drop_columns") or []:
        parts.append(_("column {name} dropped (its values are lost)").format(name=column))
    for column, value in (rule.get("add_columns") or {}).items():
        parts.append(_("column {name} added, existing rows get {value}").format(name=column, value=yaml_value(value)
                                                                              if value is not None else "null"))
    return f"{table}: " + ", ".join(parts)


def plugins_text(conversion: str) -> str:
    """Describe the plugin manifest conversion an edge names, e.g. ``manifest-v0-to-v1``."""
    if conversion == "manifest-v0-to-v1":
        return _("each plugins/<name>/plugin.yaml (format 0) is converted to loom-plugin.yaml (api_version 1); hooks become capabilities")
    return conversion
