"""Temporary Alembic script folders with hand-written revisions, for runner tests."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from loom_migrations.runner import SCRIPT_LOCATION


def script_folder(root: Path, revisions: list[tuple[str, str | None, str, str]]) -> Path:
    """Write ``(id, down_revision, upgrade body, downgrade body)`` revisions beside LOOM's env.py."""
    folder = root / "alembic-scripts"
    (folder / "versions").mkdir(parents=True)
    shutil.copy(SCRIPT_LOCATION / "env.py", folder / "env.py")
    shutil.copy(SCRIPT_LOCATION / "script.py.mako", folder / "script.py.mako")
    for revision, down, upgrade_body, downgrade_body in revisions:
        source = (
            f'"""Test revision {revision}."""\n\n'
            "import sqlalchemy as sa\nfrom alembic import op\n\n"
            f"revision = {revision!r}\ndown_revision = {down!r}\nbranch_labels = None\ndepends_on = None\n\n\n"
            "def upgrade():\n" + textwrap.indent(textwrap.dedent(upgrade_body).strip() or "pass", "    ") + "\n\n\n"
            "def downgrade():\n" + textwrap.indent(textwrap.dedent(downgrade_body).strip() or "pass", "    ") + "\n"
        )
        (folder / "versions" / f"{revision}.py").write_text(source, encoding="utf-8")
    return folder
