"""Checks the schema cannot express: ordering, edges between consecutive releases and
database revisions that agree with the edges that apply them."""

from __future__ import annotations

from loom_upgrade.catalog.model import IN_PLACE, Catalog, Edge
from loom_upgrade.errors import CatalogError
from loom_upgrade.i18n import _


def _fail(catalog: Catalog, message: str, line: int | None, fix: str) -> CatalogError:
    return CatalogError(message, path=catalog.source, line=line, fix=fix)


def _check_releases(catalog: Catalog) -> None:
    for previous, current in zip(catalog.releases, catalog.releases[1:]):
        if current.version <= previous.version:
            raise _fail(
                catalog,
                _("Release {current} is listed after {previous}; releases must be unique and oldest first.").format(
                    current=current.text, previous=previous.text
                ),
                current.line,
                _("Sort the releases list by version and remove duplicates."),
            )
    known_revisions = {r.id for r in catalog.revisions}
    if len(known_revisions) != len(catalog.revisions):
        raise _fail(catalog, _("A revision id is listed twice."), None, _("Give every revision a unique id."))
    for release in catalog.releases:
        if release.db_revision not in known_revisions:
            raise _fail(
                catalog,
                _("Release {release} names database revision {revision}, which the revisions list lacks.").format(
                    release=release.text, revision=release.db_revision
                ),
                release.line,
                _("Add the revision to the revisions list or correct db_revision."),
            )


def _check_edge_ends(catalog: Catalog, edge: Edge) -> None:
    for end in (edge.source, edge.target, *edge.via):
        if catalog.release(end) is None:
            raise _fail(
                catalog,
                _("Edge {edge} names release {release}, which the releases list lacks.").format(
                    edge=edge.name, release=end
                ),
                edge.line,
                _("Add the release or correct the edge."),
            )
    if edge.target <= edge.source:
        raise _fail(
            catalog,
            _("Edge {edge} does not go to a newer release.").format(edge=edge.name),
            edge.line,
            _("Edges run from an older release to a newer one; downgrades restore a backup."),
        )
    for revision in edge.db_revisions:
        if catalog.revision(revision) is None:
            raise _fail(
                catalog,
                _("Edge {edge} applies database revision {revision}, which the revisions list lacks.").format(
                    edge=edge.name, revision=revision
                ),
                edge.line,
                _("Add the revision to the revisions list or correct the edge."),
            )


def _check_in_place_chain(catalog: Catalog) -> None:
    """Check that every consecutive pair has an in-place edge whose revisions lead from the
    older release's revision to the newer one's, in chain order."""
    for older, newer in zip(catalog.releases, catalog.releases[1:]):
        matches = [
            e for e in catalog.edges if e.path == IN_PLACE and e.source == older.version and e.target == newer.version
        ]
        if not matches:
            raise _fail(
                catalog,
                _("No in-place edge leads from {older} to {newer}.").format(older=older.text, newer=newer.text),
                newer.line,
                _("Add an edge from {older} to {newer} (with empty operation lists if nothing changes).").format(
                    older=older.text, newer=newer.text
                ),
            )
        edge = matches[0]
        start = catalog.revision_index(older.db_revision)
        end = catalog.revision_index(newer.db_revision)
        expected = tuple(r.id for r in catalog.revisions[start + 1 : end + 1])
        if edge.db_revisions != expected:
            raise _fail(
                catalog,
                _(
                    "Edge {edge} applies revisions [{found}], but {older} serves {start} and {newer} serves {end}, "
                    "which needs [{expected}]."
                ).format(
                    edge=edge.name,
                    found=", ".join(edge.db_revisions),
                    older=older.text,
                    start=older.db_revision,
                    newer=newer.text,
                    end=newer.db_revision,
                    expected=", ".join(expected),
                ),
                edge.line,
                _("Make db.revisions of the edge and db_revision of both releases agree."),
            )
    for edge in catalog.edges:
        if edge.path != IN_PLACE:
            continue
        older, newer = catalog.release(edge.source), catalog.release(edge.target)
        if catalog.releases.index(newer) != catalog.releases.index(older) + 1:
            raise _fail(
                catalog,
                _("In-place edge {edge} skips releases; in-place edges join consecutive releases.").format(
                    edge=edge.name
                ),
                edge.line,
                _("Split the edge into one edge per consecutive pair, or mark it path: export-import."),
            )


def _check_required_stops(catalog: Catalog) -> None:
    """Check that an edge passes over a required stop only when it lists that release in
    ``via``. Listing it means the edge carries that release's changes itself."""
    for edge in catalog.edges:
        for release in catalog.releases:
            if not (edge.source < release.version < edge.target) or not release.required_stop:
                continue
            if release.version not in edge.via:
                raise _fail(
                    catalog,
                    _("Edge {edge} passes over required stop {release} without listing it in via.").format(
                        edge=edge.name, release=release.text
                    ),
                    edge.line,
                    _("Add {release} to the edge's via list or end the edge at {release}.").format(release=release.text),
                )


def check_catalog(catalog: Catalog) -> None:
    """Raise ``CatalogError`` on the first inconsistency between releases, revisions and edges."""
    _check_releases(catalog)
    for edge in catalog.edges:
        _check_edge_ends(catalog, edge)
    _check_in_place_chain(catalog)
    _check_required_stops(catalog)
