"""``.env`` migrations: add, rename, set and remove variables by editing only their lines.

The file is split with python-dotenv's own parser, whose bindings cover the text exactly.
So every line an operation does not own is written back byte for byte: comments, order,
quoting, ``export`` prefixes, blank lines, CRLF endings and ``${VAR}`` references, which
are never expanded. A line python-dotenv cannot parse is reported and left alone, and an
operation that adds, renames or sets a variable stops before anything changes, because
an unterminated quote swallows every line after it. A UTF-8 byte-order mark is removed,
because it hides the first variable from most readers.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from loom_upgrade.errors import MigrationError
from loom_upgrade.i18n import _
from loom_upgrade.migrate import fileio
from loom_upgrade.migrate.report import FileReport, mask_url_passwords, unified_diff
from loom_upgrade.migrate.yaml_text import newline_of

log = logging.getLogger(__name__)

BOM = "\ufeff"
OPERATIONS = ("add_var", "rename_var", "remove_var", "set_var")

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_./:@+,%^=\-]*")
_GUESS_NAME = re.compile(r"\s*(?:export\s+)?['\"]?([A-Za-z_][A-Za-z0-9_.\-]*)")
_COMMENTED_ASSIGNMENT = re.compile(r"\s*#\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.]*\s*=")
_SECRET_NAME = re.compile(r"(?i)key|token|secret|passw|pwd|credential|private|auth|salt|dsn|cookie|session")
# Mirrors python-dotenv's value grammar (dotenv/parser.py) to find where a value's text ends.
_SINGLE_QUOTED = re.compile(r"'((?:\\'|[^'])*)'")
_DOUBLE_QUOTED = re.compile(r'"((?:\\"|[^"])*)"')
_UNQUOTED = re.compile(r"([^\r\n]*)")


class _DropRecords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


_DOTENV_LOG = logging.getLogger("dotenv.main")


def read_values(text: str) -> dict[str, str | None]:
    """Return the variables python-dotenv reads from ``text``, without expanding ``${VAR}``.

    python-dotenv logs an English warning per unparseable line; those lines are reported
    once, translated, by ``scan_warnings``, so its log records are dropped here.
    """
    muted = _DropRecords()
    _DOTENV_LOG.addFilter(muted)
    try:
        return dict(dotenv_values(stream=io.StringIO(text), interpolate=False))
    finally:
        _DOTENV_LOG.removeFilter(muted)


@dataclass
class Binding:
    """One piece of the file as python-dotenv splits it; ``text`` keeps its exact bytes."""

    text: str
    key: str | None
    value: str | None
    line: int
    error: bool

    @property
    def lead(self) -> int:
        """Characters of blank lines python-dotenv folded into the front of this binding."""
        stripped = self.text.lstrip("\r\n \t")
        lead = len(self.text) - len(stripped)
        # Keep the indentation of the key's own line.
        return self.text.rfind("\n", 0, lead) + 1 if "\n" in self.text[:lead] else 0

    @property
    def guessed_name(self) -> str | None:
        match = _GUESS_NAME.match(self.text)
        return match.group(1) if match else None


@dataclass
class EnvFile:
    """A parsed .env text, without its BOM."""

    path: Path
    bindings: list[Binding]
    newline: str
    had_bom: bool = False
    notices: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, path: Path, text: str) -> "EnvFile":
        had_bom = text.startswith(BOM)
        if had_bom:
            text = text[1:]
        bindings = [
            Binding(b.original.string, b.key, b.value, b.original.line, b.error) for b in parse_stream(io.StringIO(text))
        ]
        if "".join(b.text for b in bindings) != text:
            raise MigrationError(
                _("cannot split {name} into lines safely").format(name=path.name),
                path=path,
                fix=_("Report this file to the loom-upgrade maintainers; edit it by hand meanwhile."),
            )
        newline = newline_of(text)
        env = cls(path=path, bindings=bindings, newline=newline, had_bom=had_bom)
        if had_bom:
            env.notices.append(_("removed UTF-8 byte-order mark from {name}").format(name=path.name))
        return env

    def text(self) -> str:
        return "".join(b.text for b in self.bindings)

    def replace_text(self, text: str) -> None:
        """Re-split the file after an edit, keeping the file-level facts."""
        self.bindings = EnvFile.parse(self.path, text).bindings

    def values(self) -> dict[str, str | None]:
        return read_values(self.text())

    def find(self, name: str) -> list[int]:
        return [i for i, b in enumerate(self.bindings) if b.key == name]

    def check_parseable(self, name: str) -> None:
        """Raise when a line that cannot be parsed seems to set ``name``."""
        for binding in self.bindings:
            if binding.error and binding.guessed_name == name:
                raise unparseable_error(self.path, binding, stop=True)

    def warnings(self) -> list[str]:
        return scan_warnings(self)


def unparseable_error(path: Path, binding: Binding, *, stop: bool) -> MigrationError:
    line = binding.line + binding.text[: binding.lead].count("\n")
    return MigrationError(
        _("{location}: this line cannot be parsed as NAME=value, so the operation on it stops").format(location=f"{path.name}:{line}")
        if stop
        else _("{location}: this line cannot be parsed as NAME=value").format(location=f"{path.name}:{line}"),
        path=path,
        line=line,
        fix=_("Write it as NAME=value (quote values with spaces in single quotes) or comment it out with #."),
    )


def scan_warnings(env: EnvFile) -> list[str]:
    """Return preflight-style warnings: unparseable lines and values readers disagree on."""
    out = []
    for binding in env.bindings:
        line = binding.line + binding.text[: binding.lead].count("\n")
        location = f"{env.path.name}:{line}"
        if binding.error:
            error = unparseable_error(env.path, binding, stop=False)
            out.append(f"{error.message} ({_('fix')}: {error.fix})")
            continue
        if binding.key is None:
            continue
        span = value_span(binding)
        if span is None:
            continue
        raw = binding.text[span[0] : span[1]]
        if raw[:1] not in ("'", '"') and "#" in raw:
            out.append(
                _("{location}: the unquoted value of {name} contains '#', which some Docker Compose versions read as the start of a comment; put the value in single quotes").format(
                    location=location, name=binding.key
                )
            )
        if raw[:1] == '"' and "$" in raw:
            out.append(
                _("{location}: the value of {name} is in double quotes and contains '$', which Docker Compose and `source .env` expand; use single quotes to keep it literal").format(
                    location=location, name=binding.key
                )
            )
    return out


def value_span(binding: Binding) -> tuple[int, int] | None:
    """Return the [start, end) of the value's text (quotes included) inside ``binding.text``."""
    pattern = re.compile(r"[ \t]*(?:export[ \t]+)?('?)" + re.escape(binding.key or "") + r"\1[ \t]*=[ \t]*")
    match = pattern.match(binding.text, binding.lead)
    if match is None:
        return None
    start = match.end()
    rest = binding.text[start:]
    if rest.startswith("#") and match.group(0)[-1:] in (" ", "\t"):
        # python-dotenv reads `KEY= # note` as an empty value followed by a comment.
        return start, start
    if rest.startswith("'"):
        quoted = _SINGLE_QUOTED.match(rest)
        return (start, start + quoted.end()) if quoted else None
    if rest.startswith('"'):
        quoted = _DOUBLE_QUOTED.match(rest)
        return (start, start + quoted.end()) if quoted else None
    part = _UNQUOTED.match(rest).group(1)
    value = re.sub(r"\s+#.*", "", part).rstrip()
    return start, start + len(value)


# --- writing values -------------------------------------------------------------------------


def format_value(value: str) -> tuple[str, bool]:
    """Return the .env text of ``value`` and whether a POSIX shell reads it back the same.

    Values with ``#``, ``$``, whitespace or quotes go in single quotes, where python-dotenv
    expands nothing. A value with a single quote needs double quotes with escapes, which
    a shell reads differently.
    """
    if _PLAIN_VALUE.fullmatch(value):
        return value, True
    if "'" not in value and "\r" not in value:
        return "'" + value.replace("\\", "\\\\") + "'", "\\" not in value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return '"' + escaped + '"', False


def _assignment(name: str, value: str, env: EnvFile, report: FileReport) -> str:
    text, portable = format_value(value)
    if not portable:
        report.warnings.append(
            _("{name}: the value written for {var} is read correctly by python-dotenv but not by a POSIX shell (`source .env`)").format(
                name=env.path.name, var=name
            )
        )
    if "${" in value:
        report.warnings.append(
            _("{name}: the value written for {var} contains ${{...}}, which readers that interpolate (python-dotenv by default, Docker Compose) expand").format(
                name=env.path.name, var=name
            )
        )
    return f"{name}={text}"


# --- operations ---------------------------------------------------------------------------


def _check_name(env: EnvFile, name: Any, operation: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise MigrationError(
            _("invalid variable name {name!r} in {operation}").format(name=name, operation=operation),
            path=env.path,
            fix=_("Use letters, digits and underscores, starting with a letter or underscore."),
        )
    return name


def rename_var(env: EnvFile, name: str, new_name: str) -> str | None:
    """Rename every binding of ``name``; return a notice when nothing changed."""
    env.check_parseable(name)
    env.check_parseable(new_name)
    old, new = env.find(name), env.find(new_name)
    if not old:
        if new:
            return _("{old} is already renamed to {new}").format(old=name, new=new_name)
        return _("{name} is not set; nothing to rename").format(name=name)
    if new:
        binding = env.bindings[old[0]]
        raise MigrationError(
            _("{file}: both {old} and {new} are set, so {old} cannot take the new name").format(file=env.path.name, old=name, new=new_name),
            path=env.path,
            line=binding.line,
            fix=_("Keep the value you want under {new}, delete {old}, then run the migration again.").format(old=name, new=new_name),
        )
    pattern = re.compile(r"([ \t]*(?:export[ \t]+)?('?))" + re.escape(name) + r"(?=\2[ \t]*=)")
    for index in old:
        binding = env.bindings[index]
        lead = binding.lead
        binding.text = binding.text[:lead] + pattern.sub(lambda m: m.group(1) + new_name, binding.text[lead:], count=1)
        binding.key = new_name
    return None


def remove_var(env: EnvFile, name: str) -> str | None:
    """Remove every binding of ``name`` with the comment lines directly above it."""
    env.check_parseable(name)
    found = env.find(name)
    if not found:
        return _("{name} is not set; nothing to remove").format(name=name)
    for index in reversed(found):
        _remove_binding(env, index)
    return None


def _remove_binding(env: EnvFile, index: int) -> None:
    text = env.text()
    lines = text.splitlines(keepends=True)
    binding = env.bindings[index]
    offset = sum(len(b.text) for b in env.bindings[:index])
    first = text[: offset + binding.lead].count("\n")
    end = first + binding.text[binding.lead :].rstrip("\r\n").count("\n") + 1
    start = first
    while start > 0 and _is_own_comment(lines[start - 1]):
        start -= 1
    # A comment block set off by a blank line above, over a variable directly followed by
    # another, heads a group of variables and stays.
    if start < first and start > 0 and not lines[start - 1].strip() and _starts_variable(lines, end):
        start = first
    blank_above = start > 0 and not lines[start - 1].strip()
    blank_below = end >= len(lines) or not lines[end].strip()
    if blank_above and blank_below:
        while start > 0 and not lines[start - 1].strip():
            start -= 1
    new_text = "".join(lines[:start] + lines[end:])
    if end >= len(lines) and start > 0 and not text.endswith(("\n", "\r")):
        new_text = new_text.rstrip("\r\n")
    env.replace_text(new_text)


def _starts_variable(lines: list[str], line: int) -> bool:
    return line < len(lines) and bool(lines[line].strip()) and not lines[line].lstrip().startswith("#")


def _is_own_comment(line: str) -> bool:
    return line.lstrip().startswith("#") and not _COMMENTED_ASSIGNMENT.match(line)


def set_var(env: EnvFile, name: str, value: str, report: FileReport) -> str | None:
    """Set ``name`` to ``value``: replace the value's text in place, or append a new line."""
    env.check_parseable(name)
    if not isinstance(value, str):
        value = _string_value(value)
    found = env.find(name)
    if not found:
        return add_vars(env, [(name, value, None)], report)
    index = found[-1]
    binding = env.bindings[index]
    if binding.value == value:
        return _("{name} already has this value").format(name=name)
    span = value_span(binding)
    if span is None:
        raise unparseable_error(env.path, binding, stop=True)
    text, _portable = format_value(value)
    _assignment(name, value, env, report)
    if binding.text[span[1] : span[1] + 1] == "#":
        text += " "
    binding.text = binding.text[: span[0]] + text + binding.text[span[1] :]
    binding.value = value
    return None


def add_vars(env: EnvFile, variables: list[tuple[str, Any, str | None]], report: FileReport) -> str | None:
    """Append the variables that are not set yet as one block, each with its comment.

    A block with comments is set off from the rest of the file by one blank line.
    Variables already present keep the operator's value.
    """
    missing = []
    skipped = []
    for name, value, comment in variables:
        env.check_parseable(name)
        if env.find(name) or any(name == item[0] for item in missing):
            skipped.append(name)
        else:
            missing.append((name, _string_value(value), comment))
    if not missing:
        return _("already set, values kept: {names}").format(names=", ".join(skipped))
    newline = env.newline
    lines = []
    for name, value, comment in missing:
        if comment:
            lines.append(f"# {comment}")
        lines.append(_assignment(name, value, env, report))
    current = env.text()
    prefix = ""
    if current and not current.endswith(("\n", "\r")):
        prefix = newline
    if any(comment for _name, _value, comment in missing) and current.strip() and not current.endswith(("\n\n", "\r\n\r\n")):
        prefix += newline
    env.replace_text(current + prefix + "".join(line + newline for line in lines))
    report.count("variables_added", len(missing))
    if skipped:
        return _("already set, values kept: {names}").format(names=", ".join(skipped))
    return None


def _string_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


# --- files --------------------------------------------------------------------------------


def apply_env_operations(env: EnvFile, operations: list[Mapping[str, Any]], report: FileReport) -> None:
    """Apply operations in order; consecutive add_var operations are merged into one block."""
    pending: list[tuple[str, Any, str | None]] = []
    _check_writable_file(env, [_split(env, operation)[0] for operation in operations])

    def flush() -> None:
        if pending:
            _record(report, add_vars(env, list(pending), report))
            pending.clear()

    for operation in operations:
        name, args = _split(env, operation)
        if name == "add_var":
            pending.append((_check_name(env, args.get("name"), name), args.get("value", ""), args.get("comment")))
            continue
        flush()
        variable = _check_name(env, args.get("name"), name)
        if name == "rename_var":
            _record(report, rename_var(env, variable, _check_name(env, args.get("to"), name)))
        elif name == "remove_var":
            _record(report, remove_var(env, variable))
        else:
            _record(report, set_var(env, variable, args.get("value", ""), report))
    flush()


def _check_writable_file(env: EnvFile, names: list[str]) -> None:
    """Raise when an operation adds, renames or sets a variable and a line cannot be parsed.

    python-dotenv stops at an unterminated quote and reads every later line as part of
    that value, so a variable added or renamed below it would be swallowed or shifted.
    Removing a variable edits only its own lines and is allowed.
    """
    if not any(name in ("add_var", "rename_var", "set_var") for name in names):
        return
    for binding in env.bindings:
        if binding.error:
            line = binding.line + binding.text[: binding.lead].count("\n")
            raise MigrationError(
                _("{location}: this line cannot be parsed as NAME=value, so no variable is added, renamed or set in {name}").format(
                    location=f"{env.path.name}:{line}", name=env.path.name
                ),
                path=env.path,
                line=line,
                fix=_("Write it as NAME=value (quote values with spaces in single quotes) or comment it out with #, then run the command again."),
            )


def _record(report: FileReport, notice: str | None) -> None:
    if notice is None:
        report.count("applied")
    else:
        report.count("skipped")
        report.notices.append(notice)


def _split(env: EnvFile, operation: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    if isinstance(operation, Mapping) and len(operation) == 1:
        ((name, args),) = operation.items()
        if name in OPERATIONS and isinstance(args, Mapping):
            return name, args
    raise MigrationError(
        _("invalid env operation {operation!r}: expected one of {names} with a name").format(operation=operation, names=", ".join(OPERATIONS)),
        path=env.path,
        fix=_("Correct the operation in the release catalog."),
    )


def migrate_env_text(path: Path, text: str, operations: list[Mapping[str, Any]]) -> tuple[str, FileReport]:
    """Apply env operations to ``text``; return the new text and a report (nothing is written)."""
    report = FileReport(path=path, kind="env")
    env = EnvFile.parse(path, text)
    report.warnings.extend(env.warnings())
    before = env.values()
    apply_env_operations(env, operations, report)
    new_text = env.text()
    if new_text == text.lstrip(BOM) and not env.had_bom:
        return text, report
    _verify(env, before, operations, new_text)
    _count_changes(report, before, read_values(new_text), operations)
    report.notices[:0] = env.notices
    return new_text, report


def _count_changes(
    report: FileReport, before: dict[str, str | None], after: dict[str, str | None], operations: list[Mapping[str, Any]]
) -> None:
    """Replace the per-operation counts with what changed between the old and new file.

    Counting the net effect keeps a variable that one edge adds and a later edge removes
    out of the added count.
    """
    renamed = {
        str(args["name"]): str(args["to"])
        for operation in operations
        for name, args in operation.items()
        if name == "rename_var" and args.get("name") in before and args.get("to") in after and args.get("name") not in after
    }
    added = set(after) - set(before) - set(renamed.values())
    removed = set(before) - set(after) - set(renamed)
    changed = {name for name in set(before) & set(after) if before[name] != after[name]}
    skipped = report.counts.get("skipped", 0)
    report.counts.clear()
    for key, amount in (
        ("variables_added", len(added)),
        ("variables_removed", len(removed)),
        ("variables_renamed", len(renamed)),
        ("values_changed", len(changed)),
        ("skipped", skipped),
    ):
        if amount:
            report.count(key, amount)


def _verify(env: EnvFile, before: dict[str, str | None], operations: list[Mapping[str, Any]], new_text: str) -> None:
    """Check with python-dotenv that only the variables the operations name changed."""
    after = read_values(new_text)
    named: set[str] = set()
    for operation in operations:
        ((_name, args),) = operation.items()
        named.update(str(args[key]) for key in ("name", "to") if key in args)
    for key in set(before) | set(after):
        if key in named:
            continue
        if before.get(key, "<absent>") != after.get(key, "<absent>"):
            raise MigrationError(
                _("refusing to write {name}: round-trip check failed").format(name=env.path.name),
                path=env.path,
                fix=_("Make this change by hand; the variable {var} would have changed.").format(var=key),
            )


def mask_secrets(text: str) -> str:
    """Return ``text`` with the values of secret-looking variables replaced by ``****``."""
    env = EnvFile.parse(Path(".env"), text)
    out = []
    for binding in env.bindings:
        span = value_span(binding) if binding.key and _SECRET_NAME.search(binding.key) else None
        if span and span[1] > span[0]:
            out.append(binding.text[: span[0]] + "****" + binding.text[span[1] :])
        else:
            out.append(binding.text)
    # The BOM stays, so that a diff shows its removal as a change of line 1.
    return (BOM if env.had_bom else "") + "".join(out)


def check_env_file(path: Path) -> list[str]:
    """Return preflight warnings for a .env file: unparseable lines, a BOM, `#` and `$` hazards."""
    text = fileio.read_text(path)
    env = EnvFile.parse(path, text)
    bom = [_("{name} starts with a UTF-8 byte-order mark, which hides its first variable from most readers").format(name=path.name)] if env.had_bom else []
    return bom + env.warnings()


def env_names(path: Path, text: str) -> list[str]:
    """Return the names of the variables the file sets, in file order."""
    return [binding.key for binding in EnvFile.parse(path, text).bindings if binding.key and not binding.error]


def migrate_env_file(path: Path, operations: list[Mapping[str, Any]], *, dry_run: bool = False) -> FileReport:
    """Apply env operations to the file at ``path``; it is rewritten only if it changes.

    The report's diff masks the values of secret-looking variables.
    """
    text = fileio.read_text(path)
    new_text, report = migrate_env_text(path, text, operations)
    if new_text != text:
        report.changed = True
        report.diff = unified_diff(
            mask_url_passwords(mask_secrets(text)), mask_url_passwords(mask_secrets(new_text)), path.name
        )
        if not dry_run:
            fileio.write_text_atomic(path, new_text)
    return report
