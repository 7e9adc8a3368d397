"""Parse release specs from the command line and resolve them against the catalog.

A spec is either an exact release (``0.9.2``) or a release line (``0.9``, any 0.9.x).
"""

from __future__ import annotations

import re

from packaging.version import Version

from loom_upgrade.catalog.model import Catalog, Release
from loom_upgrade.errors import CatalogError
from loom_upgrade.i18n import _

_SPEC = re.compile(r"^v?(?P<major>\d+)\.(?P<minor>\d+)(?:\.(?P<micro>\d+))?$")


def _parse_spec(catalog: Catalog, spec: str, option: str) -> tuple[tuple[int, int], Version | None]:
    match = _SPEC.match(spec.strip())
    if match is None:
        raise CatalogError(
            _("{option} {spec} is not a release or a release line.").format(option=option, spec=spec),
            fix=_("Name a release such as 0.9.2 or a release line such as 0.9; known releases: {known}.").format(
                known=catalog.version_list()
            ),
        )
    series = (int(match["major"]), int(match["minor"]))
    exact = Version(spec.strip().lstrip("v")) if match["micro"] is not None else None
    return series, exact


def _unknown(catalog: Catalog, spec: str, option: str) -> CatalogError:
    return CatalogError(
        _("{option} {spec} is not a known release.").format(option=option, spec=spec),
        fix=_("Choose one of the known releases: {known}.").format(known=catalog.version_list()),
    )


def resolve(catalog: Catalog, spec: str, *, detected: Release | None = None, option: str = "--to") -> Release:
    """Resolve ``spec`` to one release of the catalog.

    A release line resolves to ``detected`` when that release belongs to the line (the
    release found in a home), else to the newest release of the line. Raises
    ``CatalogError`` listing the known releases when nothing matches.
    """
    series, exact = _parse_spec(catalog, spec, option)
    if exact is not None:
        release = catalog.release(exact)
        if release is None:
            raise _unknown(catalog, spec, option)
        return release

    line = [r for r in catalog.releases if r.series == series]
    if not line:
        raise _unknown(catalog, spec, option)
    if detected is not None and detected in line:
        return detected
    return line[-1]


def contains(catalog: Catalog, spec: str, release: Release, option: str = "--from") -> bool:
    """Return whether ``spec`` (a release or a release line) names ``release``."""
    series, exact = _parse_spec(catalog, spec, option)
    if exact is not None:
        return exact == release.version
    return series == release.series
