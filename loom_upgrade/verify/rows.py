"""Row-level verification of a database across an upgrade.

``snapshot_rows`` reads every data table once, streamed, and keeps per column a sha256 of
the column's canonical values in primary-key order, plus the row count. Because the
digests are per column, ``expected_after`` can apply the declared row rules of a hop
(``renamed_from``, ``rename_columns``, ``drop_columns``, ``add_columns``, ``new_table``) to
a snapshot taken before the hop, and ``compare_rows`` compares the result with a snapshot
taken after it. A renamed column keeps its digest and a dropped one is removed. An added
column's digest is that of its declared value repeated once per row. Any other
change is a ``Difference`` naming the table and the counts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from loom_upgrade.i18n import _
from loom_upgrade.verify.canonical import batch_encoder_for, category_of_value, encode
from loom_upgrade.verify.tables import open_engine, reflect_tables, stream_batches

RowRules = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class TableSnapshot:
    rows: int
    columns: dict[str, str]
    new_table: bool = False

    @property
    def digest(self) -> str:
        """One sha256 over the row count and every column digest, in column-name order."""
        hasher = hashlib.sha256(str(self.rows).encode())
        for name in sorted(self.columns):
            hasher.update(f"\n{name}={self.columns[name]}".encode())
        return hasher.hexdigest()


@dataclass(frozen=True)
class RowSnapshot:
    dialect: str
    tables: dict[str, TableSnapshot] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dialect": self.dialect,
            "tables": {
                name: {"rows": t.rows, "columns": dict(t.columns), "new_table": t.new_table}
                for name, t in self.tables.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RowSnapshot:
        return cls(
            dialect=data["dialect"],
            tables={
                name: TableSnapshot(rows=t["rows"], columns=dict(t["columns"]), new_table=t.get("new_table", False))
                for name, t in data["tables"].items()
            },
        )


@dataclass(frozen=True)
class Difference:
    """One way the rows after a hop differ from what its rules allow."""

    table: str
    kind: str  # missing_table, unexpected_table, row_count, missing_columns, unexpected_columns, content
    expected: Any = None
    actual: Any = None
    columns: tuple[str, ...] = ()

    def message(self) -> str:
        columns = ", ".join(self.columns)
        if self.kind == "missing_table":
            return _("Table {table} is missing: it should hold {expected} rows.").format(
                table=self.table, expected=self.expected
            )
        if self.kind == "unexpected_table":
            return _("Table {table} ({actual} rows) is not declared by the migration's row rules.").format(
                table=self.table, actual=self.actual
            )
        if self.kind == "row_count":
            return _("Table {table} has {actual} rows where {expected} were expected.").format(
                table=self.table, actual=self.actual, expected=self.expected
            )
        if self.kind == "missing_columns":
            return _("Table {table} lost the columns {columns} ({expected} rows).").format(
                table=self.table, columns=columns, expected=self.expected
            )
        if self.kind == "unexpected_columns":
            return _("Table {table} has undeclared new columns {columns} ({actual} rows).").format(
                table=self.table, columns=columns, actual=self.actual
            )
        return _("Table {table} ({actual} rows): the values of {columns} changed.").format(
            table=self.table, columns=columns, actual=self.actual
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table, "kind": self.kind, "expected": self.expected,
            "actual": self.actual, "columns": list(self.columns), "message": self.message(),
        }


def snapshot_rows(db_url: str | URL, *, home: Path | None = None) -> RowSnapshot:
    """Read every data table of the database at ``db_url`` and return its row snapshot."""
    engine = open_engine(db_url, home)
    try:
        with engine.connect() as connection:
            tables = {}
            for table in reflect_tables(connection):
                hashers = [hashlib.sha256() for _column in table.columns]
                encoders = [batch_encoder_for(category) for category in table.categories]
                count = 0
                for batch in stream_batches(connection, table):
                    count += len(batch)
                    # One hash update per column and batch: the digest depends only on the
                    # concatenated bytes, and per-value updates dominate the run time.
                    for index, values in enumerate(zip(*batch)):
                        hashers[index].update(encoders[index](values))
                tables[table.name] = TableSnapshot(
                    rows=count,
                    columns={name: hasher.hexdigest() for name, hasher in zip(table.columns, hashers)},
                )
            return RowSnapshot(dialect=connection.dialect.name, tables=tables)
    finally:
        engine.dispose()


def repeated_digest(value: Any, rows: int) -> str:
    """Digest of a column whose ``rows`` values all equal ``value``, as ``add_columns`` declares."""
    encoded = encode(value, category_of_value(value))
    hasher = hashlib.sha256()
    # Feed a block of many copies at a time: the digest depends only on the byte stream.
    block_rows = 4096
    block = encoded * block_rows
    full, rest = divmod(rows, block_rows)
    for _index in range(full):
        hasher.update(block)
    hasher.update(encoded * rest)
    return hasher.hexdigest()


def expected_after(snapshot: RowSnapshot, rules: RowRules | Sequence[RowRules]) -> RowSnapshot:
    """Apply the row rules of one hop (a mapping) or of several hops (a list, in order)."""
    hops = [rules] if isinstance(rules, Mapping) else list(rules)
    tables = dict(snapshot.tables)
    for hop in hops:
        tables = _apply_hop(tables, hop or {})
    return RowSnapshot(dialect=snapshot.dialect, tables=tables)


def _apply_hop(tables: dict[str, TableSnapshot], hop: RowRules) -> dict[str, TableSnapshot]:
    result = dict(tables)
    for name, rule in hop.items():
        rule = rule or {}
        if rule.get("new_table"):
            result[name] = TableSnapshot(rows=0, columns={}, new_table=True)
            continue
        source = rule.get("renamed_from") or name
        if source not in tables:
            # Nothing to map: compare_rows reports the table the rules expected.
            continue
        table = result.pop(source, tables[source])
        result[name] = _apply_table_rule(table, rule)
    return result


def _apply_table_rule(table: TableSnapshot, rule: Mapping[str, Any]) -> TableSnapshot:
    columns = dict(table.columns)
    renames = dict(rule.get("rename_columns") or {})
    columns = {renames.get(column, column): digest for column, digest in columns.items()}
    for column in rule.get("drop_columns") or ():
        columns.pop(renames.get(column, column), None)
    for column, value in (rule.get("add_columns") or {}).items():
        columns[column] = repeated_digest(value, table.rows)
    return replace(table, columns=columns)


def compare_rows(
    before: RowSnapshot, after: RowSnapshot, rules: RowRules | Sequence[RowRules] = ()
) -> list[Difference]:
    """Return every difference between ``after`` and ``before`` mapped through ``rules``."""
    expected = expected_after(before, rules)
    differences: list[Difference] = []
    for name in sorted(set(expected.tables) | set(after.tables)):
        want, got = expected.tables.get(name), after.tables.get(name)
        if got is None:
            differences.append(Difference(name, "missing_table", expected=want.rows if want else None))
        elif want is None:
            differences.append(Difference(name, "unexpected_table", actual=got.rows))
        elif not want.new_table:
            differences.extend(_compare_table(name, want, got))
    return differences


def _compare_table(name: str, want: TableSnapshot, got: TableSnapshot) -> list[Difference]:
    differences = []
    if want.rows != got.rows:
        differences.append(Difference(name, "row_count", expected=want.rows, actual=got.rows))
    missing = tuple(sorted(set(want.columns) - set(got.columns)))
    if missing:
        differences.append(Difference(name, "missing_columns", expected=want.rows, actual=got.rows, columns=missing))
    extra = tuple(sorted(set(got.columns) - set(want.columns)))
    if extra:
        differences.append(Difference(name, "unexpected_columns", expected=want.rows, actual=got.rows, columns=extra))
    if want.rows == got.rows:
        changed = tuple(sorted(c for c in set(want.columns) & set(got.columns) if want.columns[c] != got.columns[c]))
        if changed:
            differences.append(Difference(name, "content", expected=want.rows, actual=got.rows, columns=changed))
    return differences


def compose_rules(hops: Iterable[RowRules]) -> list[RowRules]:
    """Return the hops' row rules as the ordered list that ``expected_after`` applies."""
    return [dict(hop or {}) for hop in hops]
