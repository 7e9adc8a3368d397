"""The head models and the Alembic chain at head describe the same schema."""

import pytest
import sqlalchemy as sa

from loom_migrations import fingerprint, runner
from loom_runtime.storage.models import metadata


def test_models_match_chain_sqlite(tmp_path):
    chain_url = f"sqlite:///{tmp_path / 'chain.db'}"
    models_url = f"sqlite:///{tmp_path / 'models.db'}"
    runner.upgrade(chain_url, "head")
    engine = sa.create_engine(models_url)
    metadata.create_all(engine)
    engine.dispose()

    assert fingerprint.differences(fingerprint.schema_fingerprint(chain_url), fingerprint.schema_fingerprint(models_url)) == []


@pytest.mark.postgres
def test_models_match_chain_postgresql(postgres_server, postgres_url):
    models_url = postgres_server.create_database()
    runner.upgrade(postgres_url, "head")
    engine = sa.create_engine(models_url)
    metadata.create_all(engine)
    engine.dispose()

    difference = fingerprint.differences(fingerprint.schema_fingerprint(postgres_url), fingerprint.schema_fingerprint(models_url))
    postgres_server.drop_database(models_url.rsplit("/", 1)[1])
    assert difference == []
