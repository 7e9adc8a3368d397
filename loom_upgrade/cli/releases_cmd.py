"""``loom-upgrade releases``: list the releases in the catalog."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from loom_upgrade.catalog import load_catalog
from loom_upgrade.cli.output import OutputFormat, print_json, stdout_console
from loom_upgrade.i18n import _
from loom_upgrade.report.document import releases_document, report_document
from loom_upgrade.report.human import releases_table


def releases(
    output: OutputFormat = typer.Option(OutputFormat.human, "--output", help=_("Output format: human or json.")),
    catalog_path: Path = typer.Option(None, "--catalog", help=_("Release catalog to read instead of the installed one.")),
) -> None:
    """List the releases loom-upgrade can plan between."""
    if output is not OutputFormat.human:
        os.environ["LOOM_UPGRADE_OUTPUT"] = output.value
    catalog = load_catalog(catalog_path)
    if output is OutputFormat.human:
        stdout_console().print(releases_table(catalog))
    else:
        print_json(report_document("releases", exit_code=0, releases=releases_document(catalog)))


def register(app: typer.Typer) -> None:
    app.command("releases", help=_("List the releases loom-upgrade can plan between."))(releases)
