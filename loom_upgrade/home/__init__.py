"""Detection of a LOOM home: release, database, fingerprints, service and table sizes."""

from loom_upgrade.home.detect import detect_home, is_home, locate_home, require_home
from loom_upgrade.home.model import HomeState, ServiceState, TableStats

__all__ = ["HomeState", "ServiceState", "TableStats", "detect_home", "is_home", "locate_home", "require_home"]
