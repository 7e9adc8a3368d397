"""Canon rewrites: a release's pattern rules applied line by line to ``canon/**/*.md``.

Markdown is parsed with markdown-it-py to find code blocks (fenced and indented), raw HTML
blocks such as ``<pre>``, and the YAML front matter. Pattern rules never touch those lines. Each rule is applied to one
line with its line ending and trailing blanks set aside, so CRLF endings, hard line
breaks (two trailing spaces) and a missing final newline survive. A rule written as
``{front_matter: <config operation>}`` edits the front matter like a config file.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from loom_upgrade.errors import MigrationError
from loom_upgrade.i18n import _
from loom_upgrade.migrate import fileio
from loom_upgrade.migrate.config import migrate_config_text
from loom_upgrade.migrate.report import FileReport, MigrationReport, unified_diff

log = logging.getLogger(__name__)

# The catalog names flags as a list of ``re`` flag names; single letters are accepted too.
_FLAGS = {
    "i": re.IGNORECASE, "IGNORECASE": re.IGNORECASE,
    "m": re.MULTILINE, "MULTILINE": re.MULTILINE,
    "s": re.DOTALL, "DOTALL": re.DOTALL,
    "x": re.VERBOSE, "VERBOSE": re.VERBOSE,
    "a": re.ASCII, "ASCII": re.ASCII,
    "u": re.UNICODE, "UNICODE": re.UNICODE,
}
# Lines of raw HTML blocks (``<pre>`` and the like) are not Markdown, so rules skip them too.
_CODE_TOKENS = ("fence", "code_block", "html_block")


@dataclass
class PatternRule:
    pattern: re.Pattern[str]
    replacement: str


def compile_rules(rules: list[Mapping[str, Any]], source: Path | str = "releases.yaml") -> tuple[list[PatternRule], list[Mapping[str, Any]]]:
    """Split canon rules into compiled pattern rules and front-matter config operations."""
    patterns: list[PatternRule] = []
    front_matter: list[Mapping[str, Any]] = []
    for rule in rules:
        if isinstance(rule, Mapping) and "front_matter" in rule:
            front_matter.append(rule["front_matter"])
            continue
        if not isinstance(rule, Mapping) or not isinstance(rule.get("pattern"), str) or not isinstance(rule.get("replacement"), str):
            raise MigrationError(
                _("invalid canon rule {rule!r}: expected pattern and replacement strings").format(rule=rule),
                path=source,
                fix=_("Write the rule as {pattern: '^# Old$', replacement: '# New'}."),
            )
        flags = 0
        names = rule.get("flags") or []
        for name in list(names):  # a string of letters or a list of names
            if name not in _FLAGS:
                raise MigrationError(
                    _("invalid flag {flag!r} in canon rule {pattern!r}: use IGNORECASE, MULTILINE, DOTALL, VERBOSE, ASCII or UNICODE").format(
                        flag=name, pattern=rule["pattern"]
                    ),
                    path=source,
                    fix=_("Correct the flags of the rule in the release catalog."),
                )
            flags |= _FLAGS[name]
        try:
            patterns.append(PatternRule(re.compile(rule["pattern"], flags), rule["replacement"]))
        except re.error as exc:
            raise MigrationError(
                _("invalid regular expression {pattern!r} in a canon rule: {reason}").format(pattern=rule["pattern"], reason=exc),
                path=source,
                fix=_("Correct the pattern in the release catalog."),
            ) from exc
    return patterns, front_matter


def protected_lines(text: str) -> tuple[set[int], tuple[int, int] | None]:
    """Return the 0-based lines inside code and HTML blocks, and the front matter's line range."""
    parser = MarkdownIt("commonmark").use(front_matter_plugin)
    code: set[int] = set()
    front: tuple[int, int] | None = None
    for token in parser.parse(text):
        if token.map is None:
            continue
        if token.type in _CODE_TOKENS:
            code.update(range(token.map[0], token.map[1]))
        elif token.type == "front_matter":
            front = (token.map[0], token.map[1])
            code.update(range(token.map[0], token.map[1]))
    return code, front


def rewrite_text(path: Path, text: str, rules: list[Mapping[str, Any]]) -> tuple[str, FileReport]:
    """Apply canon rules to one Markdown text; return the new text and a report."""
    report = FileReport(path=path, kind="canon")
    patterns, front_ops = compile_rules(rules)
    lines = text.splitlines(keepends=True)
    code, front = protected_lines(text)
    for number, line in enumerate(lines):
        if number in code:
            continue
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        stripped = body.rstrip(" \t")
        trailing = body[len(stripped) :]
        for rule in patterns:
            stripped, count = rule.pattern.subn(rule.replacement, stripped)
            if count:
                report.count("replacements", count)
        lines[number] = stripped + trailing + ending
    new_text = "".join(lines)
    if front_ops and front is not None:
        new_text = _edit_front_matter(path, new_text, front, front_ops, report)
    return new_text, report


def _edit_front_matter(path: Path, text: str, front: tuple[int, int], operations: list[Mapping[str, Any]], report: FileReport) -> str:
    lines = text.splitlines(keepends=True)
    inner = "".join(lines[front[0] + 1 : front[1] - 1])
    new_inner, inner_report = migrate_config_text(path, inner, operations)
    report.notices.extend(inner_report.notices)
    report.warnings.extend(inner_report.warnings)
    report.count("front_matter_changes", inner_report.counts.get("applied", 0))
    return "".join(lines[: front[0] + 1]) + new_inner + "".join(lines[front[1] - 1 :])


def canon_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.md") if path.is_file())


def migrate_canon(folder: Path, rules: list[Mapping[str, Any]], *, dry_run: bool = False) -> MigrationReport:
    """Rewrite every ``*.md`` under ``folder``; files without a match are not rewritten."""
    report = MigrationReport(dry_run=dry_run)
    if not rules or not folder.is_dir():
        return report
    compile_rules(rules)  # reject a bad rule before any file changes
    with fileio.write_batch():
        _rewrite_all(folder, rules, report, dry_run=dry_run)
    return report


def _rewrite_all(folder: Path, rules: list[Mapping[str, Any]], report: MigrationReport, *, dry_run: bool) -> None:
    for path in canon_files(folder):
        text = fileio.read_text(path)
        new_text, file_report = rewrite_text(path, text, rules)
        if new_text != text:
            file_report.changed = True
            file_report.diff = unified_diff(text, new_text, path.relative_to(folder.parent))
            if not dry_run:
                fileio.write_text_atomic(path, new_text)
        log.info("canon %s: %d replacements", path, file_report.counts.get("replacements", 0))
        report.add(file_report)
