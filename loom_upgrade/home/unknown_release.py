"""The reason and fix shown when the release of a home cannot be detected."""

from __future__ import annotations

from loom_upgrade.home import database
from loom_upgrade.home.model import HomeState
from loom_upgrade.i18n import _


def unknown_release_reason(state: HomeState) -> tuple[str, str]:
    """Return (reason, fix) for a home whose ``release`` is None.

    The reason names the database and the cause: an unreadable database, a missing
    SQLite file, or a database without LOOM's release and revision markers.
    """
    home = state.home
    if state.db_error is not None:
        return (
            _("The release of the home {home} cannot be detected. {error}").format(home=home, error=state.db_error),
            _("Run loom-upgrade preflight --home {home} to check the database; if it is damaged, restore it with loom-upgrade rollback --backup ID (loom-upgrade backup list shows the IDs).").format(home=home),
        )
    sqlite_file = database.sqlite_path(state.db_url)
    if sqlite_file is not None and not state.db_exists:
        return (
            _("The release of the home {home} cannot be detected: the database file {path} does not exist.").format(
                home=home, path=sqlite_file
            ),
            _("Restore the database from a backup with loom-upgrade rollback --backup ID, or correct storage.url in the config."),
        )
    return (
        _("The release of the home {home} cannot be detected: the database {url} records no LOOM release or schema revision, and venv/bin/loom does not report one.").format(
            home=home, url=state.db_url_redacted
        ),
        _("Check that storage.url in the config names the database of this home, then run loom-upgrade preflight --home {home}.").format(home=home),
    )
