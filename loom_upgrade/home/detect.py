"""Detect a LOOM home's release, database, fingerprints and running service."""

from __future__ import annotations

import logging
import os
import re
import subprocess
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from loom_upgrade.catalog import Catalog, load_catalog
from loom_upgrade.errors import UsageError
from loom_upgrade.home import database
from loom_upgrade.home.config import CONFIG_RELATIVE, config_format, config_problem, read_config, read_env, sha256_of
from loom_upgrade.home.model import HomeState, TableStats
from loom_upgrade.home.service import service_state
from loom_upgrade.i18n import _
from loom_upgrade.state import STATE_DIRNAME

log = logging.getLogger(__name__)

_VERSION_IN_OUTPUT = re.compile(r"(\d+\.\d+\.\d+)")
VERSION_PROBE_TIMEOUT = 30  # seconds, because the runtime imports its whole stack before printing


def is_home(path: Path) -> bool:
    return (path / CONFIG_RELATIVE).is_file()


def require_home(home: Path) -> Path:
    home = Path(home).expanduser().resolve()
    if not is_home(home):
        raise UsageError(
            _("{home} is not a LOOM home: {config} is missing.").format(home=home, config=CONFIG_RELATIVE),
            path=home,
            fix=_("Name the home with --home DIR or the LOOM_HOME variable."),
        )
    return home


def venv_release(home: Path) -> str | None:
    """Return the version that ``<home>/venv/bin/loom --version`` prints, or None."""
    loom = home / "venv" / "bin" / "loom"
    if not loom.is_file():
        return None
    try:
        result = subprocess.run(
            [str(loom), "--version"], capture_output=True, text=True, timeout=VERSION_PROBE_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("cannot run %s --version: %s", loom, exc)
        return None
    match = _VERSION_IN_OUTPUT.search(result.stdout)
    return match.group(1) if result.returncode == 0 and match else None


def _read_database(
    url: str, with_tables: bool
) -> tuple[str | None, str | None, dict[str, TableStats], str | None]:
    """Return (release, revision, table stats, error).

    An unreadable database gives an error text instead of raising, so that preflight can
    report it as a failed check.
    """
    path = database.sqlite_path(url)
    if path is not None and not path.is_file():
        return None, None, {}, None
    try:
        with database.connected(url) as connection:
            release, revision = database.read_markers(connection)
            tables = database.table_stats(connection) if with_tables else {}
            return release, revision, tables, None
    except SQLAlchemyError as exc:
        log.warning("cannot read the database %s: %s", database.redact(url), type(exc).__name__)
        reason = str(exc.orig) if getattr(exc, "orig", None) is not None and path is not None else type(exc).__name__
        return None, None, {}, _("The database {url} cannot be read: {reason}.").format(
            url=database.redact(url), reason=reason
        )


def _pick_release(catalog: Catalog, sources: dict[str, str | None], revision: str | None, fmt: str | None) -> str | None:
    """Return the release the database records, else the venv's version, else the one
    release that the revision and config format single out."""
    for key in ("database", "venv"):
        if sources.get(key):
            return sources[key]
    candidates = catalog.releases_serving(revision) if revision else []
    if fmt is not None and len(candidates) > 1:
        candidates = [r for r in candidates if r.config_schema == fmt] or candidates
    return candidates[-1].text if candidates else None


def _inconsistencies(
    catalog: Catalog,
    release: str | None,
    sources: dict[str, str | None],
    revision: str | None,
    config: dict,
    fmt: str | None,
) -> list[str]:
    found: list[str] = []
    known = catalog.release(release) if release else None
    if release and known is None:
        found.append(_("The home records release {release}, which the catalog does not list.").format(release=release))
    if sources.get("venv") and sources.get("database") and sources["venv"] != sources["database"]:
        found.append(
            _("The database was last written by {db} but venv/bin/loom is {venv}.").format(
                db=sources["database"], venv=sources["venv"]
            )
        )
    if known is not None and revision is not None and revision != known.db_revision:
        found.append(
            _("Release {release} serves database revision {expected}, but the database is at {revision}.").format(
                release=release, expected=known.db_revision, revision=revision
            )
        )
    if known is not None and fmt != known.config_schema:
        if fmt is not None:
            found.append(
                _("The config has the format of {found}, but release {release} uses {expected}.").format(
                    found=fmt, release=release, expected=known.config_schema
                )
            )
        else:
            found.append(
                _("The config does not validate against {expected} of release {release}: {problem}.").format(
                    expected=known.config_schema, release=release, problem=config_problem(config, known.config_schema)
                )
            )
    return found


def _files_bytes(home: Path) -> int:
    """Size of what a backup copies besides the database: config, .env, canon, plugins."""
    total = 0
    for name in ("config", "canon", "plugins", ".env"):
        path = home / name
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and STATE_DIRNAME not in p.parts)
    return total


def detect_home(
    home: Path | str, catalog: Catalog | None = None, *, probe_venv: bool = True, with_tables: bool = True
) -> HomeState:
    """Detect what a home runs: release, database URL and revision, hashes, service, table sizes.

    Reads only; raises ``UsageError`` when ``home`` is not a LOOM home or its config or
    database cannot be read.
    """
    home = require_home(Path(home))
    catalog = catalog or load_catalog()
    config_path = home / CONFIG_RELATIVE
    config = read_config(config_path)
    env = read_env(home / ".env")

    url = database.database_url(home, config, env)
    db_release, revision, tables, db_error = _read_database(url, with_tables)
    fmt = config_format(config)
    sources = {"database": db_release, "venv": venv_release(home) if probe_venv else None, "config_format": fmt}
    release = _pick_release(catalog, sources, revision, fmt)

    sqlite_file = database.sqlite_path(url)
    state = HomeState(
        home=home,
        release=release,
        release_sources=sources,
        db_kind="sqlite" if sqlite_file is not None else "postgresql",
        db_url=url,
        db_url_redacted=database.redact(url),
        db_exists=sqlite_file.is_file() if sqlite_file is not None else True,
        db_revision=revision,
        config_path=config_path,
        config_sha256=sha256_of(config_path),
        env_sha256=sha256_of(home / ".env"),
        config=config,
        config_format=fmt,
        service=service_state(home),
        tables=tables,
        db_bytes=database.database_bytes(url, tables),
        files_bytes=_files_bytes(home),
        db_error=db_error,
        inconsistencies=tuple(([db_error] if db_error else []) + _inconsistencies(catalog, release, sources, revision, config, fmt)),
    )
    log.info("home %s: release %s, revision %s, database %s", home, release, revision, state.db_url_redacted)
    return state


def locate_home(option: Path | str | None, *, required: bool) -> Path | None:
    """Return the home named by ``--home``, else ``LOOM_HOME``, else the current folder.

    A home named explicitly must be a LOOM home. A current folder that is not one gives
    None unless ``required`` is set, so that ``plan`` can describe the catalog alone.
    """
    explicit = option if option is not None else os.environ.get("LOOM_HOME") or None
    if explicit is not None:
        return require_home(Path(explicit))
    if required:
        return require_home(Path.cwd())
    return Path.cwd().resolve() if is_home(Path.cwd()) else None
