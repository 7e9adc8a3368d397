"""The release catalog: loading, validation and version resolution."""

from loom_upgrade.catalog.loader import default_catalog_path, load_catalog, load_schema
from loom_upgrade.catalog.model import EXPORT_IMPORT, IN_PLACE, Catalog, Edge, Release, Revision
from loom_upgrade.catalog.versions import contains, resolve

__all__ = [
    "EXPORT_IMPORT",
    "IN_PLACE",
    "Catalog",
    "Edge",
    "Release",
    "Revision",
    "contains",
    "default_catalog_path",
    "load_catalog",
    "load_schema",
    "resolve",
]
