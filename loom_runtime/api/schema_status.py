"""Whether a database schema can be served by this code's release.

The code serves the revision the catalog records for its stamped release. A database at
an older revision is not served. A newer one is served only while every revision beyond
the code's is marked ``expand``, because added tables, columns or indexes are ignored by
older code. One ``contract`` revision (a rename or a drop) makes it unservable.
"""

from __future__ import annotations

from dataclasses import dataclass

from loom_migrations import catalog_lookup

from loom_runtime._version import __version__
from loom_runtime.i18n import _


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    expected: str
    servable: bool
    reason: str | None = None
    fix: str | None = None


def expected_revision(release: str = __version__) -> str:
    return catalog_lookup.revision_for_release(release)


def schema_status(current: str | None, release: str = __version__) -> SchemaStatus:
    """Decide whether the database at revision ``current`` can be served by ``release``."""
    expected = expected_revision(release)
    order = catalog_lookup.revision_order()
    if current is None:
        return SchemaStatus(current, expected, False,
                            _("The database has no LOOM schema."),
                            _("create it with `loom init` or `loom db upgrade`."))
    if current not in order:
        return SchemaStatus(current, expected, False,
                            _("The database is at revision {current}, which this release does not know.").format(current=current),
                            _("install the LOOM release that wrote it, or restore the database from a backup."))

    position, expected_position = order.index(current), order.index(expected)
    if position < expected_position:
        return SchemaStatus(current, expected, False,
                            _("The database schema is at revision {current}, older than revision {expected} that release {release} needs.").format(
                                current=current, expected=expected, release=release),
                            _("run `loom db upgrade`, or loom-upgrade for a whole home."))
    if position > expected_position:
        marks = catalog_lookup.revision_marks()
        contracts = [revision for revision in order[expected_position + 1: position + 1] if marks[revision].mark == "contract"]
        if contracts:
            return SchemaStatus(current, expected, False,
                                _("The database schema is at revision {current}, newer than revision {expected} of release {release}, and revision {contract} changed tables this release uses.").format(
                                    current=current, expected=expected, release=release, contract=contracts[0]),
                                _("run the LOOM release that matches the database."))
    return SchemaStatus(current, expected, True)
