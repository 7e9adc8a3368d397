"""``loom-upgrade releases``: list the releases in the catalog."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from loom_upgrade.catalog import load_catalog
from loom_upgrade.cli.output import OutputFormat, print_json, print_jsonl, stdout_console
from loom_upgrade.report.render import print_view
from loom_upgrade.home import detect_home, locate_home
from loom_upgrade.i18n import _
from loom_upgrade.report.document import releases_document, report_document
from loom_upgrade.report.human import releases_table


def releases(
    output: OutputFormat = typer.Option(OutputFormat.human, "--output", help=_("Output format: human, json or jsonl.")),
    catalog_path: Path = typer.Option(None, "--catalog", help=_("Release catalog to read instead of the installed one.")),
    home: Path = typer.Option(None, "--home", help=_("LOOM home whose release is marked with * (default: LOOM_HOME, else the current folder).")),
) -> None:
    """List the releases loom-upgrade can plan between."""
    if output is not OutputFormat.human:
        os.environ["LOOM_UPGRADE_OUTPUT"] = output.value
    catalog = load_catalog(catalog_path)
    document = report_document("releases", exit_code=0, releases=releases_document(catalog))
    if output is OutputFormat.json:
        print_json(document)
        return
    if output is OutputFormat.jsonl:
        print_jsonl(document)
        return

    home_dir = locate_home(home, required=False)
    current = detect_home(home_dir, catalog, probe_venv=False, with_tables=False).release if home_dir else None
    print_view(stdout_console(), releases_table(catalog, current))
    if current is not None:
        stdout_console().print(_("* the release of {home}").format(home=home_dir), markup=False)


def register(app: typer.Typer) -> None:
    app.command("releases", help=_("List the releases loom-upgrade can plan between."))(releases)
