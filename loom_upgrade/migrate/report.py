"""Per-file results of a migration: the data the CLI renders and the engine journals."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from loom_upgrade.i18n import ngettext


@dataclass
class FileReport:
    """One file a migration looked at: whether it changed, the diff, counts and messages."""

    path: Path
    kind: str
    changed: bool = False
    diff: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def count(self, name: str, amount: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + amount

    def to_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "kind": self.kind,
            "changed": self.changed,
            "diff": self.diff,
            "counts": dict(self.counts),
            "notices": list(self.notices),
            "warnings": list(self.warnings),
        }


@dataclass
class MigrationReport:
    """Every file one edge (or one command) migrated, in the order they were handled."""

    files: list[FileReport] = field(default_factory=list)
    dry_run: bool = False

    def add(self, report: FileReport) -> FileReport:
        self.files.append(report)
        return report

    def extend(self, other: "MigrationReport") -> None:
        self.files.extend(other.files)

    @property
    def changed(self) -> bool:
        return any(item.changed for item in self.files)

    @property
    def changed_files(self) -> list[Path]:
        return [item.path for item in self.files if item.changed]

    @property
    def warnings(self) -> list[str]:
        return [warning for item in self.files for warning in item.warnings]

    @property
    def notices(self) -> list[str]:
        return [notice for item in self.files for notice in item.notices]

    def diff(self) -> str:
        return "".join(item.diff for item in self.files if item.diff)

    def to_dict(self) -> dict[str, object]:
        return {"dry_run": self.dry_run, "changed": self.changed, "files": [item.to_dict() for item in self.files]}


_URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)([^\s/]+)(@)")


def mask_url_passwords(text: str) -> str:
    """Replace the password of every ``scheme://user:password@host`` URL with ``****``."""
    return _URL_PASSWORD.sub(r"\1****\3", text)


def unified_diff(old: str, new: str, path: Path | str) -> str:
    """Return a unified diff of two texts of one file, with ``a/`` and ``b/`` labels."""
    if old == new:
        return ""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    out = []
    for line in lines:
        # A last line without a newline would glue itself to the next hunk header.
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def describe_counts(counts: dict[str, int]) -> str:
    """Return a file's counts as a translated phrase such as ``5 variables added, 1 removed``."""
    phrases = {
        "applied": lambda n: ngettext("{count} change made", "{count} changes made", n),
        "skipped": lambda n: ngettext("{count} step already done", "{count} steps already done", n),
        "variables_added": lambda n: ngettext("{count} variable added", "{count} variables added", n),
        "variables_removed": lambda n: ngettext("{count} variable removed", "{count} variables removed", n),
        "variables_renamed": lambda n: ngettext("{count} variable renamed", "{count} variables renamed", n),
        "values_changed": lambda n: ngettext("{count} value changed", "{count} values changed", n),
        "replacements": lambda n: ngettext("{count} replacement made", "{count} replacements made", n),
        "front_matter_changes": lambda n: ngettext("{count} front-matter change", "{count} front-matter changes", n),
        "plugins_converted": lambda n: ngettext("{count} plugin manifest converted", "{count} plugin manifests converted", n),
    }
    parts = []
    for name, amount in counts.items():
        phrase = phrases.get(name)
        parts.append(phrase(amount).format(count=amount) if phrase else f"{name} {amount}")
    return ", ".join(parts)
