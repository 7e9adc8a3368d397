"""``loom export``, ``loom import`` and ``loom stats``."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from loom_runtime.cli import database
from loom_runtime.cli.context import settings_of
from loom_runtime.cli.errors import CliError
from loom_runtime.cli.output import stdout_console
from loom_runtime.i18n import _


class ExportFormat(str, Enum):
    json = "json"


def _translate_exchange_error(exc: Exception) -> CliError:
    """Show a storage error in the user's language: loom_migrations only writes English."""
    from loom_runtime.cli.exchange_errors import describe_storage_error

    message, fix = describe_storage_error(exc)
    return CliError(message, fix)


def _check_output(output: Path, force: bool) -> None:
    """Reject an --output that is a folder, lies in a missing folder, or exists without --force."""
    if output.is_dir():
        raise CliError(_("The export file {file} is a folder.").format(file=output),
                       _("pass a file name for --output, for example {example}.").format(example=output / "loom-export.json"))
    folder = output.parent
    if not folder.is_dir():
        raise CliError(_("The folder {folder} of the export file does not exist.").format(folder=folder),
                       _("create the folder first, or pass --output in an existing folder."))
    if output.exists() and not force:
        raise CliError(_("The export file {file} already exists.").format(file=output),
                       _("pass --force to replace it, or choose another --output file."))


def export(
    ctx: typer.Context,
    format: ExportFormat = typer.Option(ExportFormat.json, "--format", help=_("Export format; only json.")),
    output: Path = typer.Option(..., "--output", metavar="FILE", help=_(
        "File to write the export to. Its folder must exist, and an existing file is replaced only with --force.")),
    force: bool = typer.Option(False, "--force", help=_("Replace the --output file if it exists.")),
) -> None:
    from loom_migrations.errors import MigrationsError
    from loom_runtime.storage.exchange import export_database

    settings = settings_of(ctx)
    _check_output(output, force)
    database.current_revision(settings)  # a missing database is reported before any file is written
    try:
        summary = export_database(settings.storage_url, output)
    except MigrationsError as exc:
        raise _translate_exchange_error(exc) from exc
    stdout_console().print(_("Exported the database to {file}.").format(file=output), markup=False)
    _print_summary(summary)


def import_(
    ctx: typer.Context,
    file: Path = typer.Option(..., "--file", metavar="FILE", help=_("Export file to import.")),
) -> None:
    from loom_migrations.errors import MigrationsError
    from loom_runtime.storage.exchange import import_database

    settings = settings_of(ctx)
    if not file.is_file():
        raise CliError(_("The export file {file} does not exist.").format(file=file), _("pass the file that `loom export` wrote."))
    found = database.status(settings)
    if not found.servable:
        raise CliError(found.reason or "", found.fix)
    try:
        summary = import_database(settings.storage_url, file)
    except MigrationsError as exc:
        raise _translate_exchange_error(exc) from exc
    stdout_console().print(_("Imported {file} into the database.").format(file=file), markup=False)
    _print_summary(summary)


def _print_summary(summary: object) -> None:
    """Print per-table row counts when the exchange returns them as a mapping."""
    counts = getattr(summary, "rows", summary)
    if isinstance(counts, dict):
        console = stdout_console()
        for table, count in sorted(counts.items()):
            console.print(f"  {table}: {count}", markup=False)


def stats(
    ctx: typer.Context,
    detailed: bool = typer.Option(False, "--detailed", help=_("Also show the schema revision, the release and each table's columns and indexes.")),
) -> None:
    import sqlalchemy as sa

    from loom_migrations.dbutil import data_tables, migration_engine, row_counts

    settings = settings_of(ctx)
    revision = database.current_revision(settings)
    engine = migration_engine(settings.storage_url)
    console = stdout_console()
    try:
        with engine.connect() as connection:
            counts = row_counts(connection)
            inspector = sa.inspect(connection)
            if detailed:
                console.print(_("database: {url}").format(url=settings.storage_url_for_display()), markup=False)
                console.print(_("revision: {revision}").format(revision=revision or "-"), markup=False)
                console.print(_("release: {release}").format(release=database.recorded_release(settings) or "-"), markup=False)
            for table in data_tables(connection):
                console.print(_("{table}: {count} rows").format(table=table, count=counts[table]), markup=False)
                if detailed:
                    columns = ", ".join(column["name"] for column in inspector.get_columns(table))
                    indexes = ", ".join(index["name"] for index in inspector.get_indexes(table) if index.get("name"))
                    console.print(_("  columns: {columns}").format(columns=columns), markup=False)
                    console.print(_("  indexes: {indexes}").format(indexes=indexes or "-"), markup=False)
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    app.command("export", help=_("Export every row of the database to a JSON file."))(export)
    app.command("import", help=_("Import an export file into the home's database."))(import_)
    app.command("stats", help=_("Show the row count of every table."))(stats)
