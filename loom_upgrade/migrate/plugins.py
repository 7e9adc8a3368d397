"""Plugin manifests: ``plugins/<name>/plugin.yaml`` (format 0) to ``loom-plugin.yaml`` (api_version 1).

The new manifest is made from the old one's text by the same minimal edits as config
migrations, so the author's comments and layout carry over. ``module`` becomes
``entry_point`` (``module:Plugin``), ``hooks`` become ``capabilities`` and ``config``
becomes ``settings``. ``api_version: 1`` goes above the first key.

The old ``plugin.yaml`` is left in place, byte for byte: LOOM 1.0 reads only
``loom-plugin.yaml``, so a rollback to 0.10 finds its manifest untouched and removing
the new file restores the old tree exactly.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ruamel.yaml.nodes import ScalarNode, SequenceNode

from loom_upgrade.errors import MigrationError
from loom_upgrade.i18n import _
from loom_upgrade.migrate import fileio
from loom_upgrade.migrate.config import YamlState, apply_operation, find
from loom_upgrade.migrate.report import FileReport, MigrationReport, unified_diff
from loom_upgrade.migrate.yaml_scalars import format_scalar
from loom_upgrade.migrate.yaml_text import Lines, is_block, is_blank, is_comment

log = logging.getLogger(__name__)

OLD_MANIFEST = "plugin.yaml"
NEW_MANIFEST = "loom-plugin.yaml"
CONVERSIONS = ("manifest-v0-to-v1",)
HOOK_CAPABILITIES = {
    "on_turn": "turn.post_process",
    "on_session_start": "session.start",
    "on_fact": "memory.fact_added",
}
ENTRY_CLASS = "Plugin"


def convert_manifest_text(path: Path, text: str, entry_points: dict[str, str] | None = None) -> tuple[str, FileReport]:
    """Return the api_version 1 manifest made from a format 0 manifest's text, and a report."""
    report = FileReport(path=path.with_name(NEW_MANIFEST), kind="plugins")
    state = YamlState.from_text(path, text)
    data = state.data[0]
    if not isinstance(data, dict):
        raise MigrationError(
            _("{path} is not a plugin manifest: expected a mapping with name, module and hooks").format(path=path),
            path=path,
            fix=_("Write the manifest as described in docs/architecture.md, then run again."),
        )
    plugin = str(data.get("name", path.parent.name))
    known = entry_points or {}
    if "module" in data and str(data["module"]) in known:
        apply_operation(state, {"move_key": {"path": "module", "to": "entry_point", "template": known[str(data["module"])]}})
        report.notices.append(
            _("plugin {plugin}: now LOOM's bundled {entry_point}").format(plugin=plugin, entry_point=known[str(data["module"])])
        )
    elif "module" in data:
        module = str(data["module"])
        apply_operation(state, {"move_key": {"path": "module", "to": "entry_point", "template": "{value}:" + ENTRY_CLASS}})
        report.warnings.append(
            _("plugin {plugin}: entry point {module}:{cls} must be a class implementing loom_runtime.plugins.LoomPlugin; its author must turn the hook functions of {module} into that class").format(
                plugin=plugin, module=module, cls=ENTRY_CLASS
            )
        )
    else:
        report.warnings.append(
            _("plugin {plugin}: {path} has no module, so the new manifest has no entry_point and LOOM cannot load it; its author must add entry_point: <module>:<class implementing loom_runtime.plugins.LoomPlugin>").format(
                plugin=plugin, path=path
            )
        )
    if "hooks" in data:
        _convert_hooks(state, plugin, data["hooks"], report)
    if "config" in data:
        apply_operation(state, {"rename_key": {"path": "config", "to": "settings"}})
    new_text = _add_api_version(state.full_text(), state.newline)
    report.count("plugins_converted")
    return new_text, report


def _convert_hooks(state: YamlState, plugin: str, hooks: Any, report: FileReport) -> None:
    names = [hooks] if isinstance(hooks, str) else list(hooks or [])
    capabilities = [HOOK_CAPABILITIES[name] for name in names if name in HOOK_CAPABILITIES]
    unknown = [str(name) for name in names if name not in HOOK_CAPABILITIES]
    if unknown:
        report.warnings.append(
            _("plugin {plugin}: hooks {hooks} have no capability in api_version 1 and were left out; its author must port them").format(
                plugin=plugin, hooks=", ".join(unknown)
            )
        )
    apply_operation(state, {"rename_key": {"path": "hooks", "to": "capabilities"}})
    found = find(state.documents[0], ["capabilities"])
    node = found.value
    if isinstance(node, SequenceNode) and is_block(node) and node.value:
        state.text = _replace_block_items(state.text, node, capabilities)
    else:
        start, end = node.start_mark.index, node.end_mark.index
        if isinstance(node, ScalarNode) and not node.value:
            start = end = found.key.end_mark.index + 1
            state.text = state.text[:start] + " " + format_scalar(capabilities) + state.text[end:]
        else:
            state.text = state.text[:start] + format_scalar(capabilities) + state.text[end:]
    state.documents, state.data = _reparse(state)


def _replace_block_items(text: str, node: SequenceNode, values: list[str]) -> str:
    """Rewrite a block sequence's items in place, one ``- value`` line each."""
    lines = Lines(text)
    first = node.value[0].start_mark.line
    last = max(item.end_mark.line if item.end_mark.index > lines.offset(item.end_mark.line) else item.end_mark.line - 1 for item in node.value)
    prefix = lines.body(first)[: node.value[0].start_mark.column]
    newline = lines.items[first][len(lines.body(first)) :] or "\n"
    if not values:
        key_line_end = text.rfind(":", 0, node.start_mark.index) + 1
        return text[:key_line_end] + " []" + newline + text[lines.offset(last + 1) :] if key_line_end else text
    block = "".join(prefix + format_scalar(value) + newline for value in values)
    return text[: lines.offset(first)] + block + text[lines.offset(last + 1) :]


def _reparse(state: YamlState):
    from loom_upgrade.migrate.config import parse

    return parse(state.path, state.text)


def _add_api_version(text: str, newline: str) -> str:
    """Insert ``api_version: 1`` above the first key, after the leading comment lines."""
    lines = text.splitlines(keepends=True)
    at = 0
    while at < len(lines) and (is_blank(lines[at]) or is_comment(lines[at]) or lines[at].startswith(("%", "---"))):
        at += 1
    return "".join(lines[:at]) + "api_version: 1" + newline + "".join(lines[at:])


def migrate_plugins(
    folder: Path,
    conversion: str | None = "manifest-v0-to-v1",
    *,
    dry_run: bool = False,
    entry_points: dict[str, str] | None = None,
) -> MigrationReport:
    """Write ``loom-plugin.yaml`` next to every ``plugin.yaml`` under ``folder`` that lacks one.

    ``entry_points`` maps the modules of plugins that LOOM itself shipped before 1.0.0 to
    their 1.0.0 classes; those convert with no work left for an author.
    """
    report = MigrationReport(dry_run=dry_run)
    if conversion is None or not folder.is_dir():
        return report
    if conversion not in CONVERSIONS:
        raise MigrationError(
            _("unknown plugin conversion {name!r}: expected one of {names}").format(name=conversion, names=", ".join(CONVERSIONS)),
            path="migrations/releases.yaml",
            fix=_("Correct the plugins entry of the edge in the release catalog."),
        )
    with fileio.write_batch():
        _convert_all(folder, report, dry_run=dry_run, entry_points=entry_points or {})
    return report


def _convert_all(folder: Path, report: MigrationReport, *, dry_run: bool, entry_points: dict[str, str]) -> None:
    for old in sorted(folder.glob(f"*/{OLD_MANIFEST}")):
        new = old.with_name(NEW_MANIFEST)
        if new.exists():
            file_report = FileReport(path=new, kind="plugins")
            file_report.notices.append(_("{path} already exists; left as it is").format(path=new))
            report.add(file_report)
            continue
        text = fileio.read_text(old)
        new_text, file_report = convert_manifest_text(old, text, entry_points)
        file_report.changed = True
        file_report.diff = unified_diff("", new_text, new.relative_to(folder.parent))
        if not dry_run:
            fileio.write_text_atomic(new, new_text, mode=old.stat().st_mode & 0o7777)
        log.info("converted plugin manifest %s", old)
        report.add(file_report)
