"""Schema fingerprints: a dialect-neutral description of a database's structure.

Two databases with equal fingerprints have the same tables, columns (normalised type,
nullability, server default), primary keys, indexes, unique and foreign-key constraints,
and the same full-text search objects. Constraint names are left out because SQLite
does not keep the names of inline constraints and PostgreSQL invents them; index names
are kept. ``alembic_version`` is left out: the revision is compared on its own.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import tempfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from loom_migrations import catalog_lookup
from loom_migrations.dbutil import data_tables, migration_engine, require_existing, virtual_tables

SNAPSHOT_DIR = Path(__file__).with_name("snapshots")
IGNORED_TABLES = {"alembic_version"}


def schema_fingerprint(url: str) -> dict:
    """Return the fingerprint of the database at ``url``."""
    require_existing(url)
    engine = migration_engine(url)
    try:
        with engine.connect() as connection:
            return fingerprint_connection(connection)
    finally:
        engine.dispose()


def fingerprint_connection(connection: Connection) -> dict:
    inspector = sa.inspect(connection)
    tables = {
        name: _table(inspector, name)
        for name in data_tables(connection)
        if name not in IGNORED_TABLES
    }
    return {"tables": tables, "search": _search_objects(connection)}


def _sqlite_foreign_keys(connection: Connection, table: str) -> list[dict]:
    # PRAGMA foreign_key_list reports ON DELETE however the DDL spelled the constraint;
    # SQLAlchemy's reflection parses the DDL text and misses inline REFERENCES clauses.
    grouped: dict[int, dict] = {}
    for row in connection.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")'):
        key, _seq, referred, local, remote, _on_update, on_delete = row[:7]
        entry = grouped.setdefault(
            key, {"columns": [], "referred_table": referred, "referred_columns": [], "ondelete": on_delete.upper()}
        )
        entry["columns"].append(local)
        entry["referred_columns"].append(remote)
    return list(grouped.values())


def _sqlite_uniques(connection: Connection, table: str) -> list[list[str]]:
    uniques = []
    for row in connection.exec_driver_sql(f'PRAGMA index_list("{table}")'):
        name, origin = row[1], row[3]
        if origin == "u":
            uniques.append([info[2] for info in connection.exec_driver_sql(f'PRAGMA index_info("{name}")')])
    return uniques


def _table(inspector, name: str) -> dict:
    columns = {}
    for column in inspector.get_columns(name):
        columns[column["name"]] = {
            "type": normalise_type(column["type"]),
            "nullable": bool(column["nullable"]),
            "default": normalise_default(column.get("default"), column["type"]),
        }
    indexes = sorted(
        (
            {
                "name": index["name"],
                "columns": list(index["column_names"]),
                "unique": bool(index["unique"]),
                "using": (index.get("dialect_options") or {}).get("postgresql_using", "btree"),
            }
            for index in inspector.get_indexes(name)
            if not index.get("duplicates_constraint")
        ),
        key=lambda index: index["name"],
    )
    if inspector.bind.dialect.name == "sqlite":
        uniques = sorted(_sqlite_uniques(inspector.bind, name))
        foreign_keys = _sqlite_foreign_keys(inspector.bind, name)
    else:
        uniques = sorted(list(unique["column_names"]) for unique in inspector.get_unique_constraints(name))
        foreign_keys = [
            {
                "columns": list(fk["constrained_columns"]),
                "referred_table": fk["referred_table"],
                "referred_columns": list(fk["referred_columns"]),
                "ondelete": ((fk.get("options") or {}).get("ondelete") or "NO ACTION").upper(),
            }
            for fk in inspector.get_foreign_keys(name)
        ]
    foreign_keys.sort(key=lambda fk: (fk["columns"], fk["referred_table"]))
    return {
        "columns": columns,
        "primary_key": list(inspector.get_pk_constraint(name)["constrained_columns"]),
        "indexes": indexes,
        "unique": uniques,
        "foreign_keys": foreign_keys,
    }


def normalise_type(column_type: sa.types.TypeEngine) -> str:
    """Map a reflected type to the generic name both dialects share."""
    if isinstance(column_type, sa.Boolean):
        return "boolean"
    if isinstance(column_type, sa.Integer):
        return "integer"
    if isinstance(column_type, sa.Float):
        return "float"
    if isinstance(column_type, sa.DateTime):
        return "datetime"
    if isinstance(column_type, sa.Text):
        return "text"
    if isinstance(column_type, sa.String):
        return f"varchar({column_type.length})" if column_type.length else "text"
    return str(column_type).lower()


def normalise_default(default: str | None, column_type: sa.types.TypeEngine) -> str | None:
    """Reduce a reflected server default to its value: no quotes, casts or parentheses."""
    if default is None:
        return None
    text = str(default).strip()
    if text.lower().startswith("nextval("):
        return None  # a PostgreSQL serial column; the primary key records it
    text = re.sub(r"::[a-z ]+(\([0-9]+\))?", "", text, flags=re.IGNORECASE)
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    text = text.strip("'\"").lower()
    if isinstance(column_type, sa.Boolean) or text in ("true", "false"):
        return {"0": "false", "1": "true"}.get(text, text)
    try:
        return repr(float(text)) if isinstance(column_type, sa.Float) else text
    except ValueError:
        return text


def _normalise_sql(sql: str) -> str:
    text = re.sub(r"\s+", " ", sql.strip().rstrip(";")).lower()
    return re.sub(r"\s*([(),;=])\s*", r"\1", text)


def _search_objects(connection: Connection) -> dict:
    if connection.dialect.name == "sqlite":
        virtual = {
            name: _normalise_sql(sql)
            for name, sql in connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name IN "
                f"({', '.join(repr(v) for v in virtual_tables(connection)) or 'NULL'})"
            )
        }
        triggers = {
            name: _normalise_sql(sql)
            for name, sql in connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        }
        return {"virtual_tables": virtual, "triggers": triggers}
    if connection.dialect.name == "postgresql":
        extensions = connection.exec_driver_sql(
            "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname"
        ).scalars().all()
        return {"extensions": list(extensions)}
    return {}


def snapshot_path(revision: str) -> Path:
    return SNAPSHOT_DIR / f"{revision}.sql"


def load_snapshot(revision: str, database: Path) -> None:
    """Create the schema of ``revision`` in the SQLite file ``database`` from its snapshot."""
    script = snapshot_path(revision).read_text(encoding="utf-8")
    with sqlite3.connect(database) as connection:
        connection.executescript(script)
    connection.close()


def reference_fingerprint(release: str, dialect: str, *, scratch_url: str | None = None) -> dict:
    """Return the fingerprint a database of ``release`` must have on ``dialect``.

    SQLite: from the checked-in snapshot of the release's revision. PostgreSQL: from
    running the chain to that revision on ``scratch_url``, an empty database the caller
    creates and drops.
    """
    revision = catalog_lookup.revision_for_release(release)
    if dialect == "postgresql":
        if scratch_url is None:
            raise ValueError("a PostgreSQL reference fingerprint needs scratch_url, an empty database")
        return reference_fingerprint_postgresql(release, scratch_url)
    if dialect != "sqlite":
        raise ValueError(f"no reference fingerprint for dialect {dialect}. Use sqlite or postgresql")
    folder = Path(tempfile.mkdtemp(prefix="loom-fingerprint-"))
    try:
        load_snapshot(revision, folder / "reference.db")
        return schema_fingerprint(f"sqlite:///{folder / 'reference.db'}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def reference_fingerprint_postgresql(release: str, scratch_url: str) -> dict:
    """Run the chain to ``release``'s revision on the empty database ``scratch_url`` and fingerprint it."""
    from loom_migrations import runner

    runner.upgrade(scratch_url, catalog_lookup.revision_for_release(release))
    return schema_fingerprint(scratch_url)


def differences(expected: dict, actual: dict) -> list[str]:
    """Return readable lines naming what differs between two fingerprints."""
    lines: list[str] = []
    _diff("", expected, actual, lines)
    return lines


def _diff(prefix: str, expected, actual, lines: list[str]) -> None:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual), key=str):
            where = f"{prefix}.{key}" if prefix else str(key)
            if key not in actual:
                lines.append(f"{where}: missing")
            elif key not in expected:
                lines.append(f"{where}: unexpected")
            else:
                _diff(where, expected[key], actual[key], lines)
    elif expected != actual:
        lines.append(f"{prefix}: expected {expected!r}, found {actual!r}")
