"""The ``db-migrate`` step: the hop's Alembic revisions, or export, init and import.

In place, storage's runner applies the revisions (each in its own transaction, so a run
killed half way resumes from the revision the database records). Along the export/import
path the old database is exported by loom-upgrade itself, ``loom init --force`` creates a
fresh database with the new code, and ``loom import --file`` loads the export.
"""

from __future__ import annotations

from typing import Any

from loom_upgrade.engine import components
from loom_upgrade.engine.context import RunContext
from loom_upgrade.engine.journal import StepRecord
from loom_upgrade.engine.restore import restore_from_backup
from loom_upgrade.errors import MigrationError
from loom_upgrade.i18n import _
from loom_upgrade.steps.base import Change, Step, register

EXPORT_IMPORT = "export-import"


@register
class DbMigrateStep(Step):
    kind = "db-migrate"
    mutates = True

    def _target_revision(self, ctx: RunContext) -> str:
        return ctx.release(self.hop.to_release).db_revision

    def describe(self, ctx: RunContext) -> list[Change]:
        if self.hop.path == EXPORT_IMPORT:
            return [
                Change(
                    "database",
                    _("Export the {release} database, create a fresh one with loom init --force and import the export.").format(
                        release=self.hop.from_release
                    ),
                )
            ]
        url = components.db_url(ctx.home)
        source = ctx.release(self.hop.from_release).db_revision
        target = self._target_revision(ctx)
        if source == target:
            return [Change("database", _("No schema change in this hop; the recorded release becomes {release}.").format(release=self.hop.to_release))]
        return [Change("database", _("Migrate the schema from {source} to {target}.").format(source=source, target=target), components.sql_preview(url, source, target))]

    def run(self, ctx: RunContext) -> dict[str, Any]:
        if self.hop.path == EXPORT_IMPORT:
            return self._export_import(ctx)
        url = components.db_url(ctx.home)
        target = self._target_revision(ctx)
        before = components.current_revision(url)

        total = len(ctx.edge_of(self.hop).db_revisions)
        applied: list[str] = []

        def progress(revision: str, direction: str) -> None:
            applied.append(revision)
            ctx.progress(len(applied), total, _("Applied database revision {revision}").format(revision=revision))

        components.db_upgrade(
            url, target, drop_stale_batch_tables=ctx.options.drop_stale_batch_tables, progress=progress
        )
        ctx.crash_point("middle")
        components.write_release(url, self.hop.to_release)
        return {
            "summary": _("Database at revision {revision}.").format(revision=target),
            "from_revision": before,
            "to_revision": target,
        }

    def _export_import(self, ctx: RunContext) -> dict[str, Any]:
        export = ctx.run_dir / f"export-{self.hop.from_release}.json"
        ctx.run_dir.mkdir(parents=True, exist_ok=True)
        if not export.exists():  # a resumed run reuses a complete export
            partial = export.with_name(export.name + ".partial")
            components.export_database(ctx.home, partial)
            partial.replace(export)
        ctx.crash_point("middle")
        loom = self._hop_loom(ctx)
        for argv in ([loom, "init", "--force", *self._confirm_flag(ctx, loom)], [loom, "import", "--file", str(export)]):
            result = ctx.target.run(argv, timeout=3600)
            if result.returncode != 0:
                raise MigrationError(
                    _("{command} failed with exit code {code}: {reason}").format(
                        command=" ".join(argv[:2]), code=result.returncode, reason=(result.stderr or result.stdout).strip()[-800:]
                    ),
                    fix=_("Read the message above; the backup is restored automatically."),
                )
        components.write_release(components.db_url(ctx.home), self.hop.to_release)
        return {"summary": _("Database rebuilt by export, init and import."), "export": str(export)}

    def _confirm_flag(self, ctx: RunContext, loom: str) -> list[str]:
        """Return ``["--yes"]`` when the hop's ``loom init`` has it.

        From 1.1.0 on, ``loom init --force`` without a terminal deletes rows only with
        --yes; older releases reject the unknown option, so their help is checked first.
        """
        result = ctx.target.run([loom, "init", "--help"], timeout=120)
        return ["--yes"] if result.returncode == 0 and "--yes" in result.stdout else []

    def _hop_loom(self, ctx: RunContext) -> str:
        """The ``loom`` of the hop's target release: a scratch install, or the operator's."""
        if ctx.options.no_artifact:
            return "loom"
        location = ctx.run_dir / f"venv-{self.hop.to_release}"
        if not (location / "bin" / "loom").exists():
            ctx.target.artifact_install(self.hop.to_release, ctx.options.artifact_source, location=str(location))
        return str(location / "bin" / "loom")

    def undo(self, ctx: RunContext, record: StepRecord) -> None:
        restore_from_backup(ctx)
