"""Load ``releases.yaml``, validate it against ``catalog.schema.json`` and build a ``Catalog``.

Errors name the catalog file and the line of the offending value (ruamel.yaml keeps the
position of every key and list item), so an operator editing a copy of the catalog can
go straight to the problem.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from packaging.version import Version
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from loom_upgrade.catalog.model import IN_PLACE, Catalog, Edge, Release, Revision
from loom_upgrade.catalog.semantic import check_catalog
from loom_upgrade.errors import CatalogError
from loom_upgrade.i18n import _

log = logging.getLogger(__name__)


def default_catalog_path() -> Path:
    return Path(str(resources.files("loom_migrations") / "releases.yaml"))


def load_schema(name: str) -> dict[str, Any]:
    """Read one JSON Schema shipped in the ``loom_schemas`` package."""
    text = (resources.files("loom_schemas") / name).read_text(encoding="utf-8")
    return json.loads(text)


def line_of(document: Any, path: Iterable[Any]) -> int | None:
    """Return the 1-based line of the deepest node of ``path`` that ruamel.yaml located."""
    node = document
    line: int | None = None
    for part in path:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line = node.lc.item(part)[0] + 1
        else:
            break
        node = node[part]
    if line is None and isinstance(document, CommentedMap):
        line = document.lc.line + 1
    return line


def _plain(node: Any) -> Any:
    """Copy ruamel.yaml nodes into plain JSON types; dates become ISO strings."""
    if isinstance(node, dict):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    if isinstance(node, (datetime.date, datetime.datetime)):
        return node.isoformat()
    return node


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CatalogError(
            _("The release catalog {path} does not exist.").format(path=path),
            path=path,
            fix=_("Pass the path of a releases.yaml with --catalog, or reinstall loom-narrative."),
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(
            _("The release catalog cannot be read: {reason}.").format(reason=exc),
            path=path,
            fix=_("Make the file readable UTF-8 text."),
        ) from exc
    try:
        return YAML(typ="rt").load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CatalogError(
            _("The release catalog is not valid YAML: {problem}.").format(problem=getattr(exc, "problem", exc)),
            path=path,
            line=mark.line + 1 if mark is not None else None,
            fix=_("Correct the YAML syntax at that line."),
        ) from exc


def _validate(document: Any, data: Any, path: Path) -> None:
    validator = jsonschema.Draft202012Validator(load_schema("catalog.schema.json"))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    first = errors[0]
    where = "/".join(str(part) for part in first.absolute_path) or "(top level)"
    raise CatalogError(
        _("The release catalog does not match its schema at {where}: {reason}.").format(
            where=where, reason=first.message
        ),
        path=path,
        line=line_of(document, first.absolute_path),
        fix=_("Correct that value as catalog.schema.json describes; {count} problem(s) in total.").format(
            count=len(errors)
        ),
    )


def _build(document: Any, data: dict[str, Any], path: Path) -> Catalog:
    releases = [
        Release(
            version=Version(item["version"]),
            db_revision=item["db_revision"],
            config_schema=item["config_schema"],
            summary=" ".join(item["summary"].split()),
            date=item.get("date"),
            required_stop=item.get("required_stop", False),
            line=line_of(document, ["releases", index]),
        )
        for index, item in enumerate(data["releases"])
    ]
    revisions = [Revision(item["id"], item["mark"], item["down"], item["summary"]) for item in data["revisions"]]
    edges = [_build_edge(document, index, item) for index, item in enumerate(data["edges"])]
    return Catalog(releases, revisions, edges, data.get("term_map", {}), path)


def _build_edge(document: Any, index: int, item: dict[str, Any]) -> Edge:
    return Edge(
        source=Version(item["from"]),
        target=Version(item["to"]),
        path=item.get("path", IN_PLACE),
        breaking_changes=tuple(item["breaking_changes"]),
        deprecations=tuple(item["deprecations"]),
        config=tuple(item.get("config", [])),
        env=tuple(item.get("env", [])),
        canon=tuple(item.get("canon", [])),
        db_revisions=tuple(item["db"]["revisions"]),
        rows=item["db"]["rows"],
        manual=tuple(item["manual"]),
        checks=tuple(item.get("checks", [])),
        api_paths=tuple(item.get("api_paths", [])),
        plugins=item.get("plugins"),
        plugin_entry_points=dict(item.get("plugin_entry_points") or {}),
        via=tuple(Version(v) for v in item.get("via", [])),
        line=line_of(document, ["edges", index]),
    )


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Load, validate and check the release catalog at ``path`` (default: the installed one).

    Raises ``CatalogError`` naming the file, the line and the fix on the first problem.
    """
    path = Path(path) if path is not None else default_catalog_path()
    document = _read_yaml(path)
    data = _plain(document)
    _validate(document, data, path)
    catalog = _build(document, data, path)
    check_catalog(catalog)
    log.debug("loaded %d releases and %d edges from %s", len(catalog.releases), len(catalog.edges), path)
    return catalog
