"""The private PostgreSQL test server answers queries on a fresh database per test."""

import sqlalchemy as sa


def test_postgres_url_fresh_database(postgres_url):
    engine = sa.create_engine(postgres_url)
    with engine.connect() as connection:
        version = connection.execute(sa.text("SHOW server_version")).scalar_one()
        tables = connection.execute(sa.text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar_one()
    engine.dispose()
    assert version.startswith("15")
    assert tables == 0
