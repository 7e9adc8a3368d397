"""Fixtures of the engine tests: databases at the head revision and canon files."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from loom_migrations import runner

ROOT = Path(__file__).resolve().parents[2]
BASIC_WORLD = ROOT / "examples" / "basic_world.md"
ZH_WORLD = ROOT / "examples" / "zh_world.md"


@pytest.fixture(scope="session")
def head_template(tmp_path_factory) -> Path:
    """A SQLite database migrated to head once; tests copy it, which is faster than migrating."""
    path = tmp_path_factory.mktemp("engine-template") / "loom.db"
    runner.upgrade(f"sqlite:///{path}", "head")
    return path


@pytest.fixture
def sqlite_url(head_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "loom.db"
    shutil.copyfile(head_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_head_template(postgres_server) -> str:
    """The name of a PostgreSQL database migrated to head once, cloned by each test."""
    name = f"engine_template_{uuid.uuid4().hex[:8]}"
    runner.upgrade(postgres_server.create_database(name), "head")
    return name


@pytest.fixture
def postgres_head_url(postgres_server, postgres_head_template: str):
    import psycopg

    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_server.libpq_url(), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_head_template}"')
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request) -> str:
    """A head-revision database on each dialect the runtime supports."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_head_url")


@pytest.fixture
def basic_world() -> Path:
    return BASIC_WORLD


@pytest.fixture
def zh_world() -> Path:
    return ZH_WORLD
