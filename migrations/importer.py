"""Import of a LOOM export document into a fresh database, streamed with ijson.

The target must be empty (a database just made by ``loom init``): its own loom_meta
release is kept, everything else comes from the document. A document from the target's
own revision is loaded as is. A document from an older release is loaded when the
catalog has an ``export-import`` edge from that release (0.2.0 -> 1.0.0): the edge's row
rules rename tables and columns, drop the declared columns and fill added ones.

Everything runs in one transaction; a malformed document, a count that does not match
``row_counts`` or a broken foreign key rolls it all back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import ijson
import sqlalchemy as sa

from loom_migrations import catalog_lookup
from loom_migrations.dbutil import current_revision_on, data_tables, migration_engine, require_existing
from loom_migrations.errors import ExportFormatError
from loom_migrations.export_format import FORMAT_NAME, FORMAT_VERSION, SKIPPED_META_KEYS, SKIPPED_TABLES, decode_value
from loom_migrations.exporter import ExchangeProgress, ExchangeSummary
from loom_migrations.fingerprint import normalise_type

log = logging.getLogger(__name__)

INSERT_ROWS = 2_000


@dataclass
class TableRule:
    """How one exported table lands in the target: name, renamed, dropped and added columns."""

    target: str
    rename: dict[str, str] = field(default_factory=dict)
    drop: set[str] = field(default_factory=set)
    add: dict[str, object] = field(default_factory=dict)


def import_database(url: str, input_path: str | Path, *, progress: ExchangeProgress | None = None) -> ExchangeSummary:
    """Load the export at ``input_path`` into the empty database at ``url``."""
    require_existing(url)
    input_path = Path(input_path)
    engine = migration_engine(url)
    try:
        with engine.connect() as connection, input_path.open("rb") as handle:
            connection.begin()
            try:
                triggers = _suspend_search_triggers(connection)
                summary = _Loader(connection, input_path, progress).run(handle)
                _restore_search_triggers(connection, triggers)
                _check_foreign_keys(connection, input_path)
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
            if connection.dialect.name == "sqlite":
                connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")
    finally:
        engine.dispose()
    log.info("imported %s rows in %s tables from %s", sum(summary.rows.values()), len(summary.rows), input_path)
    return summary


class _Loader:
    """Walks the ijson event stream and inserts rows table by table."""

    def __init__(self, connection, path: Path, progress) -> None:
        self.connection = connection
        self.path = path
        self.progress = progress
        self.header: dict = {}
        self.rules: dict[str, TableRule] = {}
        self.metadata = sa.MetaData()
        self.summary = ExchangeSummary(path=path, release=None, revision=None)

    def fail(self, problem: str, fix: str = "Export the database again with `loom export` and retry.") -> None:
        raise ExportFormatError(str(self.path), problem, fix)

    def run(self, handle) -> ExchangeSummary:
        table = None
        row: list | None = None
        counts_seen = None
        try:
            for prefix, event, value in ijson.parse(handle, use_float=True):
                if row is not None:
                    if prefix == "tables.item.rows.item.item":
                        row.append(value)
                        continue
                    if event == "end_array" and prefix == "tables.item.rows.item":
                        table.add(row)
                        row = None
                        continue
                    self.fail("a row contains a nested object or array, which the format does not allow.")
                if prefix == "tables.item.rows.item" and event == "start_array":
                    row = []
                elif prefix == "tables.item" and event == "start_map":
                    table = None
                    table_info: dict = {"columns": []}
                elif prefix == "tables.item.name" and event == "string":
                    table_info["name"] = value
                elif prefix == "tables.item.columns.item.name":
                    table_info["columns"].append({"name": value})
                elif prefix == "tables.item.columns.item.type":
                    table_info["columns"][-1]["type"] = value
                elif prefix == "tables.item.rows" and event == "start_array":
                    table = self.open_table(table_info)
                elif prefix == "tables.item" and event == "end_map":
                    if table is not None:
                        self.summary.rows[table.name] = table.finish()
                elif prefix == "tables" and event == "start_array":
                    self.check_header()
                elif prefix.count(".") == 0 and prefix and event in ("string", "number", "null", "boolean"):
                    self.header[prefix] = value
                elif prefix == "row_counts" and event == "start_map":
                    counts_seen = {}
                elif prefix.startswith("row_counts.") and event == "number":
                    counts_seen[prefix.split(".", 1)[1]] = value
        except ijson.JSONError as exc:
            self.fail(f"the file is not valid JSON or is truncated ({exc}).")
        if counts_seen is None:
            self.fail("the file ends before row_counts, so it is truncated.")
        for name, expected in counts_seen.items():
            if self.summary.rows.get(name, 0) != expected:
                self.fail(f"table {name} has {self.summary.rows.get(name, 0)} rows but row_counts records {expected}.")
        return self.summary

    def check_header(self) -> None:
        if self.header.get("format") != FORMAT_NAME:
            self.fail(f"this is not a LOOM export (format is {self.header.get('format')!r}, expected {FORMAT_NAME!r}).",
                      "Pass a file written by `loom export` or loom-upgrade.")
        if self.header.get("format_version") != FORMAT_VERSION:
            self.fail(f"format_version {self.header.get('format_version')} is not supported (expected {FORMAT_VERSION}).",
                      "Import it with the LOOM release that wrote it.")
        self.summary.release = self.header.get("release")
        self.summary.revision = self.header.get("revision")
        self.rules = _rules_for(self.connection, self.summary, self.path)
        _require_empty(self.connection, self.path)
        names = data_tables(self.connection)
        self.metadata.reflect(self.connection, only=names)

    def open_table(self, info: dict) -> "_TableWriter":
        if "name" not in info or any("type" not in column for column in info["columns"]):
            self.fail("a table entry lacks its name or a column type before its rows.")
        rule = self.rules.get(info["name"], TableRule(target=info["name"]))
        if info["name"] in SKIPPED_TABLES:
            rule = TableRule(target="")
        target = self.metadata.tables.get(rule.target)
        if rule.target and target is None:
            self.fail(f"table {info['name']} has no counterpart in the target database.",
                      "Import into a database at the export's release, or one the catalog can map it to.")
        return _TableWriter(self, info, rule, target)


class _TableWriter:
    def __init__(self, loader: _Loader, info: dict, rule: TableRule, target: sa.Table | None) -> None:
        self.loader = loader
        self.name = info["name"]
        self.target = target
        self.count = 0
        self.batch: list[dict] = []
        self.source_columns = [column["name"] for column in info["columns"]]
        self.source_kinds = [column["type"] for column in info["columns"]]
        if target is None:
            return
        self.mapping = []
        for index, column in enumerate(self.source_columns):
            if column in rule.drop:
                continue
            name = rule.rename.get(column, column)
            if name not in target.columns:
                loader.fail(f"column {self.name}.{column} has no counterpart {target.name}.{name} in the target database.",
                            "Import into a database at the export's release, or one the catalog can map it to.")
            self.mapping.append((index, name, normalise_type(target.columns[name].type)))
        # A column the export already carries keeps its values; added ones only fill the gap.
        mapped = {name for _index, name, _kind in self.mapping}
        self.added = {column: value for column, value in rule.add.items() if column not in mapped}
        self.is_meta = target.name == "loom_meta"

    def add(self, values: list) -> None:
        self.count += 1
        if self.target is None:
            return
        if len(values) != len(self.source_columns):
            self.loader.fail(f"row {self.count} of table {self.name} has {len(values)} values for {len(self.source_columns)} columns.")
        try:
            row = {name: decode_value(values[index], kind) for index, name, kind in self.mapping}
        except (ValueError, TypeError, KeyError) as exc:
            self.loader.fail(f"row {self.count} of table {self.name} has a value that does not fit its column ({exc}).")
        row.update(self.added)
        if self.is_meta and row.get("key") in SKIPPED_META_KEYS:
            return
        self.batch.append(row)
        if len(self.batch) >= INSERT_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            try:
                self.loader.connection.execute(self.target.insert(), self.batch)
            except sa.exc.IntegrityError as exc:
                self.loader.fail(
                    f"rows {self.count - len(self.batch) + 1} to {self.count} of table {self.name} break a "
                    f"constraint of {self.target.name} ({exc.orig})."
                )
            self.batch.clear()
        if self.loader.progress is not None:
            self.loader.progress(self.name, self.count)

    def finish(self) -> int:
        if self.target is not None:
            self.flush()
            _reset_sequence(self.loader.connection, self.target)
        return self.count


def _rules_for(connection, summary: ExchangeSummary, path: Path) -> dict[str, TableRule]:
    """Return the table rules that map the export's revision onto the target's revision.

    An ``export-import`` edge of the catalog is used when one fits; otherwise the row rules
    of the in-place edges between the two releases are composed, oldest first.
    """
    target_revision = current_revision_on(connection)
    if summary.revision == target_revision:
        return {}
    order = catalog_lookup.revision_order()
    mismatch = ExportFormatError(
        str(path),
        f"the export is from revision {summary.revision} (release {summary.release}) but the database is at "
        f"revision {target_revision}, and the catalog has no path from the first to the second.",
        "Import into a database created by the same release as the export, then upgrade it.",
    )
    if summary.revision not in order or target_revision not in order:
        raise mismatch
    if order.index(summary.revision) > order.index(target_revision):
        raise mismatch
    for edge in catalog_lookup.load_catalog()["edges"]:
        if edge.get("path") != "export-import":
            continue
        source_revision = catalog_lookup.revision_for_release(str(edge["from"]))
        edge_revision = catalog_lookup.revision_for_release(str(edge["to"]))
        if summary.revision == source_revision and order.index(target_revision) >= order.index(edge_revision):
            return _edge_rules(edge)
    return _composed_rules(summary.revision, target_revision)


def _edge_rules(edge: dict) -> dict[str, TableRule]:
    rules = {}
    for target, spec in (edge.get("db", {}).get("rows") or {}).items():
        source = spec.get("renamed_from", target)
        rules[source] = TableRule(
            target=target,
            rename=dict(spec.get("rename_columns") or {}),
            drop=set(spec.get("drop_columns") or []),
            add=dict(spec.get("add_columns") or {}),
        )
    return rules


def _composed_rules(source_revision: str, target_revision: str) -> dict[str, TableRule]:
    """Compose the row rules of the in-place edges from the source's release to the target's."""
    releases = [str(release["version"]) for release in catalog_lookup.releases()]
    revisions = {str(release["version"]): str(release["db_revision"]) for release in catalog_lookup.releases()}
    first = next(version for version in releases if revisions[version] == source_revision)
    last = [version for version in releases if revisions[version] == target_revision][-1]
    path = releases[releases.index(first) : releases.index(last) + 1]
    rules: dict[str, TableRule] = {}
    for older, newer in zip(path, path[1:]):
        spec_rows = catalog_lookup.edge(older, newer)
        if spec_rows.get("path") == "export-import":
            continue
        for table, spec in ((spec_rows.get("db") or {}).get("rows") or {}).items():
            _apply_edge_rule(rules, table, spec)
    return rules


def _apply_edge_rule(rules: dict[str, TableRule], table: str, spec: dict) -> None:
    if spec.get("new_table"):
        return
    source = spec.get("renamed_from", table)
    rule = next((rule for rule in rules.values() if rule.target == source), None)
    if rule is None:
        rule = rules.setdefault(source, TableRule(target=source))
    rule.target = table
    for old, new in (spec.get("rename_columns") or {}).items():
        originals = [column for column, current in rule.rename.items() if current == old]
        for column in originals or [old]:
            rule.rename[column] = new
    for column in spec.get("drop_columns") or []:
        originals = [original for original, current in rule.rename.items() if current == column]
        rule.drop.update(originals or [column])
    rule.add.update(spec.get("add_columns") or {})


def _require_empty(connection, path: Path) -> None:
    busy = []
    for table in data_tables(connection):
        if table in SKIPPED_TABLES or table == "loom_meta":
            continue
        if connection.exec_driver_sql(f'SELECT 1 FROM "{table}" LIMIT 1').first() is not None:
            busy.append(table)
    if busy:
        raise ExportFormatError(
            str(path),
            f"the target database already contains rows in {', '.join(busy)}, but import only loads an empty database.",
            "Recreate the database with `loom init --force`, which deletes every row it contains (config, .env and canon stay), then import.",
        )


def _suspend_search_triggers(connection) -> list[str]:
    """Drop SQLite's FTS5 sync triggers for the load (inside the transaction); return their SQL."""
    if connection.dialect.name != "sqlite":
        return []
    rows = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'memory_facts_fts_%'"
    ).fetchall()
    for name, _sql in rows:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    return [sql for _name, sql in rows]


def _restore_search_triggers(connection, triggers: list[str]) -> None:
    # One 'rebuild' indexes every imported fact far faster than a trigger firing per row.
    if triggers:
        connection.exec_driver_sql("INSERT INTO memory_facts_fts(memory_facts_fts) VALUES ('rebuild')")
    for sql in triggers:
        connection.exec_driver_sql(sql)


def _reset_sequence(connection, table: sa.Table) -> None:
    # Explicit ids do not advance PostgreSQL's serial sequences; the next INSERT would collide.
    if connection.dialect.name != "postgresql":
        return
    for column in table.primary_key.columns:
        if isinstance(column.type, sa.Integer):
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                f"COALESCE((SELECT max({column.name}) FROM {table.name}), 0) + 1, false) "
                f"WHERE pg_get_serial_sequence('{table.name}', '{column.name}') IS NOT NULL"
            )


def _check_foreign_keys(connection, path: Path) -> None:
    if connection.dialect.name != "sqlite":
        return
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if violations:
        raise ExportFormatError(
            str(path),
            f"{len(violations)} imported row(s) break a foreign key (first: {violations[0][0]} rowid {violations[0][1]}).",
            "The export is inconsistent. Export the source database again.",
        )
