"""Plugins that the path's manifest conversion cannot port by itself.

LOOM 1.0.0 rewrote the plugin interface. LOOM's own pre-1.0 plugins convert by catalog
data; any other plugin converts to a manifest whose entry point its author still has to
write, and LOOM 1.0 refuses to start a session without it. Catching that here stops the
upgrade before anything changes, instead of at the smoke test after the migration.
"""

from __future__ import annotations

from loom_upgrade.i18n import _
from loom_upgrade.preflight.base import CheckResult, PreflightContext

NAME = "plugin-ports"


def _plugin_warnings(context: PreflightContext) -> list[str]:
    from loom_upgrade.migrate.plugins import migrate_plugins

    folder = context.home.home / "plugins"
    warnings: list[str] = []
    for hop in context.plan.hops:
        for edge in context.catalog.file_edges(hop.edge):
            if not edge.plugins:
                continue
            report = migrate_plugins(folder, edge.plugins, dry_run=True, entry_points=edge.plugin_entry_points)
            for item in report.files:
                warnings.extend(item.warnings)
    return warnings


def check(context: PreflightContext) -> CheckResult:
    plan = context.plan
    if plan is None or not plan.hops:
        return CheckResult(NAME, True, _("no hops"), _("no plugin manifest to convert"))
    warnings = _plugin_warnings(context)
    if not warnings:
        return CheckResult(NAME, True, _("0 plugins to port"), _("every plugin converts with no work left"))
    return CheckResult(
        NAME,
        False,
        _("{count} plugin(s) to port").format(count=len(warnings)),
        " ".join(warnings),
        _("Port each plugin named above to api_version 1 (see docs/reference/plugins.md) or move it out of plugins/; "
          "--skip-check plugin-ports upgrades anyway, and the smoke test then rolls back if LOOM cannot load it."),
    )
