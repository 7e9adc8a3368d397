"""Verified backups of a LOOM home and safe restores.

Public API (used by the engine's backup and rollback steps and by ``loom-upgrade backup``):
``create_backup``, ``verify_backup``, ``restore_backup``, ``list_backups``,
``resolve_backup``, ``prune_backups``, ``rows_written_since``.
"""

from loom_upgrade.backup.create import Progress, backups_dir, create_backup
from loom_upgrade.backup.model import BackupInfo, Check, VerifyResult
from loom_upgrade.backup.restore import RestoreResult, restore_backup
from loom_upgrade.backup.safe_tar import BadMember, check_archive, find_bad_members
from loom_upgrade.backup.store import PruneResult, list_backups, prune_backups, referenced_by_unfinished_runs, resolve_backup
from loom_upgrade.backup.verify import verify_backup
from loom_upgrade.backup.writes import rows_written_since

__all__ = [
    "BackupInfo",
    "BadMember",
    "Check",
    "Progress",
    "PruneResult",
    "RestoreResult",
    "VerifyResult",
    "backups_dir",
    "check_archive",
    "create_backup",
    "find_bad_members",
    "list_backups",
    "prune_backups",
    "referenced_by_unfinished_runs",
    "resolve_backup",
    "restore_backup",
    "rows_written_since",
    "verify_backup",
]
