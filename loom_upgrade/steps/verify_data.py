"""The ``verify-data`` step: after each hop, the data matches that release exactly.

Three checks: the config validates against the release's schema in ``schemas/config/``,
the database's schema fingerprint equals the release's reference fingerprint, and every
row present before the upgrade is still there as the hop's declared rules say.
"""

from __future__ import annotations

import json
from typing import Any

from loom_upgrade.engine import components
from loom_upgrade.engine.context import RunContext
from loom_upgrade.errors import MigrationError
from loom_upgrade.i18n import _
from loom_upgrade.steps.backup import snapshot_path
from loom_upgrade.steps.base import Change, Step, register


def validate_config(ctx: RunContext, release: str) -> None:
    from importlib import resources

    import jsonschema
    from ruamel.yaml import YAML

    schema_name = ctx.release(release).config_schema
    schema = json.loads(resources.files("loom_schemas").joinpath(schema_name).read_text(encoding="utf-8"))
    config_path = ctx.home / "config" / "default_config.yaml"
    config = YAML(typ="safe").load(config_path.read_text(encoding="utf-8")) or {}
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(part) for part in errors[0].absolute_path) or "(top level)"
        raise MigrationError(
            _("After the migration to {release}, the config is invalid at {where}: {reason}").format(
                release=release, where=where, reason=errors[0].message
            ),
            path=config_path,
            fix=_("The backup is restored automatically; report this migration failure with the config file."),
        )


def hop_rules(ctx: RunContext, up_to_hop: int) -> list[dict[str, Any]]:
    """The row rules of every hop up to ``up_to_hop``, in order, as ``compare_rows`` applies them."""
    return [dict(ctx.edge_of(hop).rows or {}) for hop in ctx.hops if hop.index <= up_to_hop]


def check_rows(ctx: RunContext, rules: list[dict[str, Any]]) -> int:
    """Compare the rows now with the snapshot taken at backup time; return the tables compared."""
    before = components.snapshot_from_dict(json.loads(snapshot_path(ctx).read_text(encoding="utf-8")))
    after = components.snapshot_rows(ctx.home)
    differences = components.compare_rows(before, after, rules)
    if differences:
        raise MigrationError(
            _("Rows differ from the backup: {details}").format(
                details=" ".join(difference.message() for difference in differences[:5])
            ),
            fix=_("The backup is restored automatically; report this migration failure."),
        )
    return len(after.tables)


@register
class VerifyDataStep(Step):
    kind = "verify-data"

    def describe(self, ctx: RunContext) -> list[Change]:
        return [
            Change(
                "check",
                _("Check the config against the {release} schema, the schema fingerprint and every row.").format(
                    release=self.hop.to_release
                ),
            )
        ]

    def run(self, ctx: RunContext) -> dict[str, Any]:
        release = self.hop.to_release
        validate_config(ctx, release)
        url = components.db_url(ctx.home)
        found = components.schema_fingerprint(url)
        expected = components.reference_fingerprint(release, url)
        if found != expected:
            differences = components.fingerprint_differences(expected, found)
            raise MigrationError(
                _("The database schema does not match release {release}: {differences}").format(
                    release=release, differences="; ".join(differences[:5])
                ),
                fix=_("The backup is restored automatically; report this migration failure."),
            )
        edge = ctx.edge_of(self.hop)
        if self.hop.path == "in-place" and not edge.db_revisions:
            # No revision ran in this hop, so only loom_meta's release changed: comparing
            # every row again would rescan the whole database for nothing.
            return {"summary": _("Config and schema match {release}; no revision changed rows.").format(release=release)}
        check_rows(ctx, hop_rules(ctx, self.hop.index))
        ctx.remember(rows_verified_after_hop=self.hop.index)
        return {"summary": _("Config, schema and rows match {release}.").format(release=release)}
