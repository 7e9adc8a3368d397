"""Database URLs of a home, and their redacted form for output, logs and journals."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


def redact_url(url: str) -> str:
    """Return ``url`` with its password replaced by ``***``; never the password itself."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        # An unparsable URL may still carry a password, so none of it is shown.
        return "<invalid database URL>"


def home_database_url(home: Path) -> str:
    """Return the SQLAlchemy URL of ``home``'s database (config, then ``LOOM_STORAGE_URL`` in .env)."""
    from loom_upgrade.home.detect import detect_home

    return detect_home(home, probe_venv=False, with_tables=False).db_url
