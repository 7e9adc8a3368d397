"""The home's ``.env`` must parse, because LOOM does not start while a line cannot be split
into NAME=value, and an upgrade would otherwise find that only after every migration."""

from __future__ import annotations

from loom_upgrade.errors import LoomUpgradeError
from loom_upgrade.i18n import _
from loom_upgrade.migrate import fileio
from loom_upgrade.migrate.env import EnvFile, unparseable_error
from loom_upgrade.preflight.base import CheckResult, PreflightContext

NAME = "env-file"


def check(context: PreflightContext) -> CheckResult:
    path = context.home.home / ".env"
    if not path.is_file():
        return CheckResult(NAME, True, _("absent"), _("the home has no .env file"))
    try:
        env = EnvFile.parse(path, fileio.read_text(path))
    except LoomUpgradeError as exc:
        return CheckResult(NAME, False, _("unreadable"), exc.message, exc.fix)
    problems = [unparseable_error(path, binding, stop=False) for binding in env.bindings if binding.error]
    if problems:
        first = problems[0]
        return CheckResult(
            NAME, False, _("{count} unparseable line(s)").format(count=len(problems)),
            _("{message}. LOOM does not start until the line is fixed.").format(message="; ".join(p.message for p in problems)),
            first.fix,
        )
    return CheckResult(NAME, True, "ok", _("every line is a NAME=value assignment, a comment or blank"))
