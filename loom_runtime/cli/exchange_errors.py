"""Translated messages for the storage layer's errors, shown by ``loom export`` and ``loom import``.

loom_migrations cannot import the runtime's i18n, so an :class:`ExportFormatError`
carries its problem and fix as English text. This module recognises each problem the
importer raises by its wording and rebuilds the message in the user's language from the
values it contains. A problem it does not recognise is shown in English, as before.
"""

from __future__ import annotations

import logging
import re

from loom_migrations.errors import ExportFormatError, MigrationsError
from loom_runtime.i18n import N_, _
from loom_runtime.storage.messages import describe_error

logger = logging.getLogger(__name__)

# Each pair is a pattern of the importer's English problem text and the message template its groups fill.
_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), template)
    for pattern, template in (
        (r"a row contains a nested object or array, which the format does not allow\.",
         N_("a row contains a nested object or array, which the format does not allow.")),
        (r"the file is not valid JSON or is truncated \((?P<error>.*)\)\.",
         N_("the file is not valid JSON or is truncated ({error}).")),
        (r"the file ends before row_counts, so it is truncated\.",
         N_("the file ends before row_counts, so it is truncated.")),
        (r"table (?P<table>\S+) has (?P<found>\d+) rows but row_counts records (?P<expected>\d+)\.",
         N_("table {table} has {found} rows but row_counts records {expected}.")),
        (r"this is not a LOOM export \(format is (?P<found>.*), expected (?P<expected>.*)\)\.",
         N_("this is not a LOOM export (format is {found}, expected {expected}).")),
        (r"format_version (?P<found>.*) is not supported \(expected (?P<expected>.*)\)\.",
         N_("format_version {found} is not supported (expected {expected}).")),
        (r"a table entry lacks its name or a column type before its rows\.",
         N_("a table entry lacks its name or a column type before its rows.")),
        (r"table (?P<table>\S+) has no counterpart in the target database\.",
         N_("table {table} has no counterpart in the target database.")),
        (r"column (?P<column>\S+) has no counterpart (?P<target>\S+) in the target database\.",
         N_("column {column} has no counterpart {target} in the target database.")),
        (r"row (?P<row>\d+) of table (?P<table>\S+) has (?P<values>\d+) values for (?P<columns>\d+) columns\.",
         N_("row {row} of table {table} has {values} values for {columns} columns.")),
        (r"row (?P<row>\d+) of table (?P<table>\S+) has a value that does not fit its column \((?P<error>.*)\)\.",
         N_("row {row} of table {table} has a value that does not fit its column ({error}).")),
        (r"rows (?P<first>\d+) to (?P<last>\d+) of table (?P<table>\S+) break a constraint of (?P<target>\S+) \((?P<error>.*)\)\.",
         N_("rows {first} to {last} of table {table} break a constraint of {target} ({error}).")),
        (r"the export is from revision (?P<revision>\S+) \(release (?P<release>\S+)\) but the database is at "
         r"revision (?P<target>\S+), and the catalog has no path from the first to the second\.",
         N_("the export is from revision {revision} (release {release}) but the database is at revision {target}, "
            "and the catalog has no path from the first to the second.")),
        (r"the target database already contains rows in (?P<tables>.*), but import only loads an empty database\.",
         N_("the target database already contains rows in {tables}, but import only loads an empty database.")),
        (r"(?P<count>\d+) imported row\(s\) break a foreign key \(first: (?P<table>\S+) rowid (?P<rowid>\S+)\)\.",
         N_("{count} imported rows break a foreign key (first: {table} rowid {rowid}).")),
    )
)

# The importer's English fixes, by their exact text.
_FIXES = {
    "Export the database again with `loom export` and retry.": N_("Export the database again with `loom export` and retry."),
    "Pass a file written by `loom export` or loom-upgrade.": N_("Pass a file written by `loom export` or loom-upgrade."),
    "Import it with the LOOM release that wrote it.": N_("Import it with the LOOM release that wrote it."),
    "Import into a database at the export's release, or one the catalog can map it to.":
        N_("Import into a database at the export's release, or one the catalog can map it to."),
    "Import into a database created by the same release as the export, then upgrade it.":
        N_("Import into a database created by the same release as the export, then upgrade it."),
    "Recreate the database with `loom init --force`, which deletes every row it contains (config, .env and canon stay), then import.":
        N_("Recreate the database with `loom init --force`, which deletes every row it contains (config, .env and canon stay), then import."),
    "The export is inconsistent. Export the source database again.": N_("The export is inconsistent. Export the source database again."),
}


def describe_storage_error(exc: MigrationsError) -> tuple[str, str | None]:
    """Return ``(message, fix)`` for a storage error, in the current language."""
    if isinstance(exc, ExportFormatError):
        return _describe_export_format(exc)
    return describe_error(exc)


def _describe_export_format(exc: ExportFormatError) -> tuple[str, str | None]:
    problem = _translated_problem(exc.problem)
    fix = _FIXES.get(exc.fix or "")
    message = _("The export file {path} is not usable: {problem}").format(path=exc.path, problem=problem)
    if fix is not None:
        return message, _(fix)
    return message, exc.fix


def _translated_problem(problem: str) -> str:
    for pattern, template in _PROBLEMS:
        match = pattern.fullmatch(problem)
        if match is not None:
            # A library's error text (a JSON parser's, a driver's) can span lines.
            values = {key: " ".join(value.split()) for key, value in match.groupdict().items()}
            return _(template).format(**values)
    logger.debug("no translation for the export problem %r", problem)
    return problem
