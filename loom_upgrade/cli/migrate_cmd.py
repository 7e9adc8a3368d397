"""``loom-upgrade migrate config|env|canon|plugins``: run one kind of file migration alone.

The operations come from every in-place edge of the catalog path ``--from`` -> ``--to``
and are applied in one pass, so the file is written once. ``--dry-run`` prints the
unified diff and changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from loom_upgrade.cli.output import OutputFormat, print_json, print_jsonl, stdout_console
from loom_upgrade.errors import MigrationError
from loom_upgrade.i18n import _
from loom_upgrade.migrate import MigrationReport, migrate_canon, migrate_config_file, migrate_env_file, migrate_plugins
from loom_upgrade.migrate import fileio
from loom_upgrade.migrate.canon import canon_files
from loom_upgrade.migrate.edge import CANON_DIR, CONFIG_FILE, ENV_FILE, PLUGINS_DIR
from loom_upgrade.migrate.env import env_names
from loom_upgrade.migrate.plugins import NEW_MANIFEST, OLD_MANIFEST
from loom_upgrade.migrate.release_check import check_config_release, check_env_release
from loom_upgrade.migrate.report import FileReport, describe_counts

if TYPE_CHECKING:
    from loom_upgrade.catalog.model import Catalog, Release

migrate_app = typer.Typer(
    name="migrate",
    help=_("Run one kind of file migration (config, env, canon or plugins) between two releases."),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def catalog_range(source: str, target: str, catalog_path: Path | None = None) -> tuple[Catalog, Release, Release, list[Mapping[str, Any]]]:
    """Return the catalog, the ``--from`` and ``--to`` releases and the raw in-place edges between them."""
    from loom_upgrade.catalog import load_catalog, resolve
    from loom_upgrade.planner import find_path

    catalog = load_catalog(catalog_path)
    start = resolve(catalog, source, option="--from")
    end = resolve(catalog, target, option="--to")
    if end.version < start.version:
        raise MigrationError(
            _("--to {target} is older than --from {source}: migrations only go forward").format(target=end.text, source=start.text),
            fix=_("Swap --from and --to, or restore a backup to go back."),
        )
    return catalog, start, end, [edge.as_mapping() for edge in find_path(catalog, start, end, mode="in-place")]


def catalog_edges(source: str, target: str, catalog_path: Path | None = None) -> list[Mapping[str, Any]]:
    """Return the raw in-place edges from ``source`` to ``target`` (releases or release lines)."""
    return catalog_range(source, target, catalog_path)[3]


def _target(path: Path, kind: str) -> Path:
    """Return the file or folder a kind acts on, given that file or folder or a home."""
    home_parts = {"config": CONFIG_FILE, "env": ENV_FILE, "canon": CANON_DIR, "plugins": PLUGINS_DIR}
    if not path.exists() and not path.is_symlink():
        raise MigrationError(
            _("no such file or folder"),
            path=path,
            fix=_("Give the file (config, env), the folder (canon, plugins) or the LOOM home to migrate."),
        )
    if path.is_dir() and (path / CONFIG_FILE).is_file():
        return path / home_parts[kind]
    if kind in ("config", "env") and path.is_dir():
        message = _("{path} is a folder, not a config file, and not a LOOM home") if kind == "config" else _(
            "{path} is a folder, not an .env file, and not a LOOM home"
        )
        raise MigrationError(
            message.format(path=path),
            path=path,
            fix=_("Give the file itself, or a LOOM home (a folder with config/default_config.yaml)."),
        )
    if kind in ("canon", "plugins") and not path.is_dir():
        raise MigrationError(
            _("{path} is not a folder").format(path=path),
            path=path,
            fix=_("Give the {kind} folder or the LOOM home.").format(kind=kind),
        )
    return path


def run_migration(kind: str, source: str, target: str, path: Path, *, dry_run: bool = False) -> MigrationReport:
    """Apply every ``kind`` operation of the path ``source`` -> ``target`` to ``path``.

    A config or ``.env`` file must be at ``source`` (one already at ``target`` is left as
    it is, with a note). Every file is checked and computed before the first one is
    written, and a failed write restores the files already written, so an error leaves
    ``path`` unchanged.
    """
    catalog, start, end, edges = catalog_range(source, target)
    where = _target(path, kind)
    if kind in ("config", "env") and start.version != end.version and where.is_file():
        if _already_at_target(kind, where, catalog, start, end):
            report = MigrationReport(dry_run=dry_run)
            item = report.add(FileReport(path=where, kind=kind))
            item.notices.append(_("{name} is already in the {kind} format of release {release}; nothing to do").format(
                name=where.name, kind=kind, release=end.text
            ))
            return report
    with fileio.write_batch():
        return _migrate_kind(kind, edges, where, dry_run=dry_run)


def _already_at_target(kind: str, where: Path, catalog: Catalog, start: Release, end: Release) -> bool:
    text = fileio.read_text(where)
    if kind == "config":
        return check_config_release(where, text, catalog, start, end)
    return check_env_release(where, env_names(where, text), catalog, start, end)


def _migrate_kind(kind: str, edges: list[Mapping[str, Any]], where: Path, *, dry_run: bool) -> MigrationReport:
    report = MigrationReport(dry_run=dry_run)
    if kind == "config":
        operations = [op for edge in edges for op in edge.get("config") or []]
        if operations:
            report.add(migrate_config_file(where, operations, dry_run=dry_run))
    elif kind == "env":
        operations = [op for edge in edges for op in edge.get("env") or []]
        if operations and where.exists():
            report.add(migrate_env_file(where, operations, dry_run=dry_run))
    elif kind == "canon":
        rules = [rule for edge in edges for rule in edge.get("canon") or []]
        if rules and not canon_files(where):
            raise MigrationError(
                _("no Markdown files (*.md) under {path}: nothing to migrate").format(path=where),
                path=where,
                fix=_("Give the canon folder (the one holding the *.md files) or the LOOM home."),
            )
        report.extend(migrate_canon(where, rules, dry_run=dry_run))
    else:
        plugin_edges = [edge for edge in edges if edge.get("plugins")]
        if plugin_edges and not any(where.glob(f"*/{OLD_MANIFEST}")) and not any(where.glob(f"*/{NEW_MANIFEST}")):
            raise MigrationError(
                _("no plugin manifests ({pattern}) under {path}: nothing to migrate").format(pattern=f"*/{OLD_MANIFEST}", path=where),
                path=where,
                fix=_("Give the plugins folder (the one holding one folder per plugin) or the LOOM home."),
            )
        for edge in plugin_edges:
            report.extend(migrate_plugins(
                where, edge["plugins"], dry_run=dry_run, entry_points=edge.get("plugin_entry_points") or {}
            ))
    return report


def _print_human(report: MigrationReport, kind: str, source: str, target: str) -> None:
    console = stdout_console()
    if not report.files:
        console.print(_("No {kind} migration between {source} and {target}; nothing to do.").format(kind=kind, source=source, target=target), markup=False)
        return
    for item in report.files:
        counts = describe_counts(item.counts)
        if item.changed and report.dry_run:
            state = _("would change")
        elif item.changed:
            state = _("changed")
        else:
            state = _("unchanged")
        if counts:
            console.print(_("{path}: {state} ({counts})").format(path=item.path, state=state, counts=counts), markup=False)
        else:
            console.print(f"{item.path}: {state}", markup=False)
        for notice in item.notices:
            console.print("  " + _("note") + ": " + notice, markup=False)
        for warning in item.warnings:
            console.print("  " + _("warning") + ": " + warning, markup=False)
    if report.dry_run and report.diff():
        console.print(report.diff(), markup=False, end="")
    if report.dry_run:
        console.print(_("Dry run: no file was changed."), markup=False)


def _command(kind: str):
    def command(
        path: Path = typer.Argument(..., help=_("The file (config, env), folder (canon, plugins) or LOOM home to migrate.")),
        source: str = typer.Option(..., "--from", help=_("Release (or release line) the files are at, such as 0.9.3 or 0.9.")),
        target: str = typer.Option(..., "--to", help=_("Release (or release line) to migrate the files to.")),
        dry_run: bool = typer.Option(False, "--dry-run", help=_("Print the unified diff and change nothing.")),
        output: OutputFormat = typer.Option(
            OutputFormat.human,
            "--output",
            help=_("Output format: human, json (one document) or jsonl (one JSON object per line: one per file, then a summary)."),
        ),
    ) -> None:
        if output is not OutputFormat.human:
            os.environ["LOOM_UPGRADE_OUTPUT"] = output.value
        report = run_migration(kind, source, target, path, dry_run=dry_run)
        summary = {"command": "migrate", "kind": kind, "from": source, "to": target, "exit_code": 0}
        if output is OutputFormat.human:
            _print_human(report, kind, source, target)
        elif output is OutputFormat.jsonl:
            for item in report.files:
                print_jsonl({"event": "file", **item.to_dict()})
            print_jsonl({"event": "result", **summary, "dry_run": report.dry_run, "changed": report.changed})
        else:
            print_json({**summary, **report.to_dict()})

    return command


HELP = {
    "config": _("Migrate a config YAML file by minimal text edits."),
    "env": _("Migrate a .env file: rename, remove and add variables."),
    "canon": _("Rewrite canon Markdown files with the release's pattern rules."),
    "plugins": _("Write loom-plugin.yaml manifests from plugin.yaml (format 0)."),
}

for _kind, _help in HELP.items():
    migrate_app.command(_kind, help=_help)(_command(_kind))


def register(app: typer.Typer) -> None:
    app.add_typer(migrate_app, name="migrate")
