"""``loom-upgrade preflight``: check that a home can be upgraded, changing nothing."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from loom_upgrade.catalog import load_catalog
from loom_upgrade.cli.output import OutputFormat, print_json, print_jsonl, stdout_console
from loom_upgrade.errors import CatalogError, ExitCode, UsageError
from loom_upgrade.home import detect_home, locate_home
from loom_upgrade.i18n import _
from loom_upgrade.planner import plan_upgrade
from loom_upgrade.preflight import run_preflight
from loom_upgrade.report.document import report_document
from loom_upgrade.report.human import preflight_view
from loom_upgrade.report.render import print_view
from loom_upgrade.report.summary import append_step_summary, preflight_markdown
from loom_upgrade.targets.base import ArtifactSource


def preflight(
    home: Path = typer.Option(None, "--home", help=_("LOOM home folder (default: LOOM_HOME, else the current folder).")),
    to_spec: str = typer.Option(None, "--to", help=_("Release or release line to upgrade to (default: the newest).")),
    path_mode: str = typer.Option("auto", "--path", help=_("Upgrade path: auto, in-place or export-import."), metavar="auto|in-place|export-import"),
    skip_check: list[str] = typer.Option([], "--skip-check", help=_("Accept a failure of this check (repeatable).")),
    drop_stale_batch_tables: bool = typer.Option(
        False, "--drop-stale-batch-tables", help=_("Accept leftover _alembic_tmp_* tables; the upgrade drops them.")
    ),
    backup_dir: Path = typer.Option(None, "--backup-dir", help=_("Folder the backup will be written to (default: the state folder).")),
    output: OutputFormat = typer.Option(OutputFormat.human, "--output", help=_("Output format: human, json or jsonl.")),
    catalog_path: Path = typer.Option(None, "--catalog", help=_("Release catalog to read instead of the installed one.")),
    no_artifact: bool = typer.Option(False, "--no-artifact", help=_("Do not install or switch the LOOM code; the operator does it.")),
    wheelhouse: Path = typer.Option(None, "--wheelhouse", help=_("Folder of wheels to install the new release from.")),
    find_links: list[str] = typer.Option([], "--find-links", help=_("Extra folder or URL of wheels (repeatable).")),
    index_url: str = typer.Option(None, "--index-url", help=_("Package index to install the new release from.")),
    port: int = typer.Option(None, "--port", help=_("Port of the local service (default: server.port of the config).")),
) -> None:
    """Check the host, the home and the whole upgrade path; exit 3 when a check fails."""
    if output is not OutputFormat.human:
        os.environ["LOOM_UPGRADE_OUTPUT"] = output.value

    catalog = load_catalog(catalog_path)
    state = detect_home(locate_home(home, required=True), catalog)
    plan, plan_error = None, None
    try:
        plan = plan_upgrade(catalog, from_spec=None, to_spec=to_spec, home=state, path_mode=path_mode)
    except (UsageError, CatalogError) as exc:
        if state.release is not None:
            raise  # a bad --to or --path is a usage error, not a failed check
        plan_error = exc.message

    report = run_preflight(
        state,
        plan,
        overrides=set(skip_check),
        catalog=catalog,
        backup_dir=backup_dir,
        drop_stale_batch_tables=drop_stale_batch_tables,
        plan_error=plan_error,
        # The same artifact options as apply, so a missing wheel fails here and not mid-upgrade.
        artifact_source=None if no_artifact else ArtifactSource(wheelhouse=wheelhouse, find_links=tuple(find_links), index_url=index_url),
        port=port,
    )

    document = report.to_dict()
    exit_code = ExitCode.OK if report.passed else ExitCode.PREFLIGHT
    append_step_summary(preflight_markdown(document))
    if output is OutputFormat.human:
        print_view(stdout_console(), preflight_view(document))
    elif output is OutputFormat.json:
        print_json(report_document("preflight", exit_code=int(exit_code), preflight=document))
    else:
        # One line per check, then the verdict, so a CI log can be filtered line by line.
        for check in document["checks"]:
            print_jsonl({"kind": "preflight-check", **check})
        print_jsonl(report_document("preflight", exit_code=int(exit_code), preflight=document))
    if exit_code is not ExitCode.OK:
        raise typer.Exit(int(exit_code))


def register(app: typer.Typer) -> None:
    app.command("preflight", help=_("Check the host, the home and the whole upgrade path; exit 3 when a check fails."))(
        preflight
    )
