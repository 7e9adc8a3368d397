"""Where LOOM runs: one protocol (``base.Target``) and one module per kind of target."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loom_upgrade.errors import UsageError
from loom_upgrade.i18n import _
from loom_upgrade.targets.base import ArtifactSource, CommandResult, ServiceStatus, Target

__all__ = ["ArtifactSource", "CommandResult", "ServiceStatus", "Target", "make_target"]


def make_target(spec: dict[str, Any], home: Path, **options: Any) -> Target:
    """Build the target a playbook's ``target`` section describes."""
    kind = spec.get("kind", "local")
    if kind == "local":
        from loom_upgrade.targets.local import LocalTarget

        return LocalTarget(home, **options)
    raise UsageError(
        _("The target kind {kind} is not available in this build of loom-upgrade.").format(kind=kind),
        fix=_("Use a playbook whose target kind is local."),
    )
