"""The release and database revision detected in the home agree with each other, with
the config format and with the venv's ``loom --version``."""

from __future__ import annotations

from loom_upgrade.i18n import _
from loom_upgrade.preflight.base import CheckResult, PreflightContext

NAME = "release-consistency"


def check(context: PreflightContext) -> CheckResult:
    home = context.home
    measured = _("release {release}, DB revision {revision}").format(
        release=home.release or _("unknown"), revision=home.db_revision or _("none")
    )
    if home.release is None:
        return CheckResult(
            NAME, False, measured, _("The home's release cannot be detected."),
            _("Check that data/loom.db is this home's database and that loom_meta records the release."),
        )
    if home.inconsistencies:
        return CheckResult(
            NAME, False, measured, " ".join(home.inconsistencies),
            _("Bring the home back to one release (restore the last backup) before upgrading."),
        )
    return CheckResult(NAME, True, measured, _("database, config format and venv agree"))
