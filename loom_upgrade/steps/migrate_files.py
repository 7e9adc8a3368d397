"""The ``migrate-config``, ``migrate-env``, ``migrate-canon`` and ``migrate-plugins`` steps.

Each applies one kind of the hop's declared operations through ``loom_upgrade.migrate``.
Undo restores the files from the run's verified backup.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from loom_upgrade.engine import components
from loom_upgrade.engine.context import RunContext
from loom_upgrade.engine.journal import StepRecord
from loom_upgrade.engine.restore import restore_from_backup
from loom_upgrade.i18n import _
from loom_upgrade.steps.base import Change, Step, register


class FileMigrationStep(Step):
    mutates = True
    area: ClassVar[str] = ""
    paths: ClassVar[tuple[str, ...]] = ()

    def protected_paths(self, ctx: RunContext) -> list[str]:
        return [path for path in self.paths if (ctx.home / path).exists()]

    def _edges(self, ctx: RunContext) -> list[Any]:
        return components.file_edges(ctx.catalog, ctx.edge_of(self.hop))

    def describe(self, ctx: RunContext) -> list[Change]:
        edges = self._edges(ctx)
        if len(edges) == 1:
            diffs = _relative(ctx.home, components.report_diffs(components.apply_edge(ctx.home, edges[0], self.area, dry_run=True)))
        else:
            diffs = self._chain_diffs(ctx, edges)
        if not diffs:
            return [Change(self.area, _("No {area} change in this hop.").format(area=self.area))]
        # The migrate package masks secret values (keys, tokens, URL passwords) in its diffs.
        return [Change(self.area, path, diff) for path, diff in diffs]

    def _chain_diffs(self, ctx: RunContext, edges: list[Any]) -> list[tuple[str, str]]:
        """Diffs of a hop that applies several releases' migrations (export/import): each in turn, on a copy."""
        copy = scratch_copy(ctx.home)
        try:
            diffs: list[tuple[str, str]] = []
            for edge in edges:
                diffs += _relative(copy, components.report_diffs(components.apply_edge(copy, edge, self.area)))
            return diffs
        finally:
            shutil.rmtree(copy, ignore_errors=True)

    def run(self, ctx: RunContext) -> dict[str, Any]:
        changed: list[str] = []
        for edge in self._edges(ctx):
            report = components.apply_edge(ctx.home, edge, self.area)
            changed += [path for path, _diff in components.report_diffs(report)]
        summary = (
            _("Changed {count} files.").format(count=len(changed)) if changed else _("Nothing to change.")
        )
        return {"summary": summary, "files": changed}

    def undo(self, ctx: RunContext, record: StepRecord) -> None:
        restore_from_backup(ctx)


@register
class MigrateConfigStep(FileMigrationStep):
    kind = "migrate-config"
    area = "config"
    paths = ("config",)


@register
class MigrateEnvStep(FileMigrationStep):
    kind = "migrate-env"
    area = "env"
    paths = (".env",)


@register
class MigrateCanonStep(FileMigrationStep):
    kind = "migrate-canon"
    area = "canon"
    paths = ("canon",)


@register
class MigratePluginsStep(FileMigrationStep):
    kind = "migrate-plugins"
    area = "plugins"
    paths = ("plugins",)


def _relative(home: Path, diffs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Name files by their path in the home (``config/default_config.yaml``), never a scratch folder's."""
    prefix = str(home).rstrip("/") + "/"
    named = []
    for path, diff in diffs:
        try:
            relative = Path(path).relative_to(home).as_posix()
        except ValueError:
            relative = path
        diff = diff.replace(prefix, "")
        name = Path(relative).name
        # The migrate package labels a diff with the file name alone; give it the home path.
        diff = diff.replace(f"--- a/{name}\n", f"--- a/{relative}\n", 1).replace(f"+++ b/{name}\n", f"+++ b/{relative}\n", 1)
        named.append((relative, diff))
    return named


def scratch_copy(home: Path) -> Path:
    """Copy the small files of a home (no database, no venv) for ``--dry-run`` diffs."""
    scratch = Path(tempfile.mkdtemp(prefix="loom-upgrade-dry-run-"))
    for name in ("config", ".env", "canon", "plugins"):
        source = home / name
        if source.is_dir():
            shutil.copytree(source, scratch / name, symlinks=True)
        elif source.exists():
            shutil.copy2(source, scratch / name)
    return scratch
