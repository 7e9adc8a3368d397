"""Minimal text edits of a YAML document: replace a token, remove an entry, insert an entry.

Each function takes the current text and composed node tree and returns the new text;
nothing here loads and dumps the file. ``YamlEditError`` carries a message and a 1-based
line for the caller to turn into a ``MigrationError``.
"""

from __future__ import annotations

from collections.abc import Callable

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from loom_upgrade.i18n import _

from loom_upgrade.migrate.yaml_text import (
    Lines,
    entry_extent,
    indent_of,
    is_alias_use,
    is_blank,
    is_block,
    is_comment,
    is_document_marker,
)

NULL_TOKENS = ("", "~", "null", "Null", "NULL")


class YamlEditError(Exception):
    """An edit cannot be made as a minimal text change; ``line`` is 1-based."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def replace_span(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def shares_line_with_dash(lines: Lines, key: ScalarNode) -> bool:
    """Return True for the first key of a ``- key: value`` sequence item."""
    prefix = lines.body(key.start_mark.line)[: key.start_mark.column]
    return bool(prefix.strip())


def is_null_scalar(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null" and node.value in NULL_TOKENS


def is_empty_value(node: Node) -> bool:
    if isinstance(node, (MappingNode, SequenceNode)):
        return not node.value
    return is_null_scalar(node)


# --- removal -----------------------------------------------------------------------------


def remove_entry(text: str, mapping: MappingNode, index: int, parent_key: ScalarNode | None) -> str:
    """Remove entry ``index`` of ``mapping`` with the lines it owns.

    A block mapping left with no entries becomes ``{}`` so that its parent still holds
    an empty mapping rather than null.
    """
    key, value = mapping.value[index]
    if not is_block(mapping):
        return _remove_flow_entry(text, mapping, index)
    lines = Lines(text)
    if shares_line_with_dash(lines, key):
        return _remove_first_item_key(text, mapping, index)
    extent = entry_extent(lines, key, value)
    start, end = extent.start, extent.end
    # Drop the blank line above when one also follows, so two groups do not merge
    # and two blank lines do not pile up.
    before_blank = start > 0 and is_blank(lines.items[start - 1])
    after_blank = end >= len(lines) or is_blank(lines.items[end])
    if before_blank and after_blank:
        while start > 0 and is_blank(lines.items[start - 1]):
            start -= 1
    elif _opens_block(lines, start, key.start_mark.column):
        # The entry came first in its document or section: no blank line should lead it now.
        while end < len(lines) and is_blank(lines.items[end]):
            end += 1
    new_text = text[: lines.offset(start)] + text[lines.offset(end) :]
    if start > 0 and end >= len(lines) and not text.endswith(("\n", "\r")):
        # The removed entry was the last line and had no newline: drop the one before it.
        new_text = new_text.rstrip("\r\n")
    if len(mapping.value) == 1:
        new_text = _mark_emptied(new_text, text, lines, mapping, parent_key, start)
    return new_text


def _opens_block(lines: Lines, start: int, column: int) -> bool:
    if start == 0:
        return True
    above = lines.items[start - 1]
    return is_document_marker(above) or (not is_blank(above) and not is_comment(above) and indent_of(above) < column)


def _mark_emptied(new_text: str, old_text: str, lines: Lines, mapping: MappingNode, parent_key: ScalarNode | None, start: int) -> str:
    if parent_key is None:
        # The document root: insert an explicit empty mapping where the entry was.
        newline = "\r\n" if "\r\n" in old_text else "\n"
        offset = lines.offset(start)
        return new_text[:offset] + "{}" + newline + new_text[offset:]
    colon = _colon_after(old_text, parent_key)
    return replace_span(new_text, colon + 1, colon + 1, " {}")


def _colon_after(text: str, key: ScalarNode) -> int:
    position = text.find(":", key.end_mark.index)
    if position < 0:
        raise YamlEditError(_("no ':' follows the key"), key.start_mark.line + 1)
    return position


def _remove_first_item_key(text: str, mapping: MappingNode, index: int) -> str:
    key, value = mapping.value[index]
    if index != 0:
        raise YamlEditError(_("the list item of this key was not found"), key.start_mark.line + 1)
    if len(mapping.value) > 1:
        # Pull the next key up onto the dash line.
        next_key = mapping.value[1][0]
        return replace_span(text, key.start_mark.index, next_key.start_mark.index, "")
    lines = Lines(text)
    extent = entry_extent(lines, key, value)
    end = lines.offset(extent.end)
    newline = lines.items[extent.end - 1][len(lines.body(extent.end - 1)) :]
    return text[: key.start_mark.index] + "{}" + newline + text[end:]


def _remove_flow_entry(text: str, mapping: MappingNode, index: int) -> str:
    key, value = mapping.value[index]
    value_end = key.end_mark.index if is_alias_use(key, value) else value.end_mark.index
    if index + 1 < len(mapping.value):
        return replace_span(text, key.start_mark.index, mapping.value[index + 1][0].start_mark.index, "")
    if index > 0:
        previous_key, previous_value = mapping.value[index - 1]
        previous_end = previous_key.end_mark.index if is_alias_use(previous_key, previous_value) else previous_value.end_mark.index
        return replace_span(text, previous_end, value_end, "")
    return replace_span(text, key.start_mark.index, value_end, "")


# --- insertion ---------------------------------------------------------------------------

LineBuilder = Callable[[int], list[str]]


def insert_block(
    text: str,
    container: Node | None,
    container_key: ScalarNode | None,
    build: LineBuilder,
    *,
    newline: str,
    step: int,
    flow_text: str | None,
) -> str:
    """Insert new entry lines into ``container``.

    ``build(indent)`` returns the entry's lines (without line endings) at that
    indentation. ``flow_text`` is the same entry written inline for a flow mapping
    container, or None when the entry cannot be written inline.
    """
    if container is None:
        lines = Lines(text)
        return _insert_lines(text, lines, len(lines), build(0), newline)
    if isinstance(container, MappingNode) and not is_block(container):
        if flow_text is None:
            raise YamlEditError(_("this entry cannot be written inside a flow mapping {...}"), container.start_mark.line + 1)
        return _insert_flow(text, container, flow_text)
    if isinstance(container, MappingNode):
        lines = Lines(text)
        first_key = container.value[0][0]
        last_key, last_value = container.value[-1]
        column = first_key.start_mark.column
        at = entry_extent(lines, last_key, last_value).content_end
        # Comment lines at the children's indentation still belong to this section (often
        # commented-out options); a banner of the next section is indented less.
        while at < len(lines) and lines.items[at].lstrip().startswith("#") and indent_of(lines.items[at]) >= column:
            at += 1
        return _insert_lines(text, lines, at, build(column), newline)
    if container_key is not None and is_null_scalar(container):
        return _insert_under_null(text, container, container_key, build, newline, step)
    line = container.start_mark.line + 1
    if isinstance(container, SequenceNode):
        raise YamlEditError(_("a key cannot be added under a list: it is not a mapping"), line)
    raise YamlEditError(_("a key cannot be added under a scalar value: it is not a mapping"), line)


def _insert_lines(text: str, lines: Lines, at: int, new_lines: list[str], newline: str) -> str:
    block = "".join(line + newline for line in new_lines)
    offset = lines.offset(at)
    if offset == len(text) and text and not text.endswith(("\n", "\r")):
        block = newline + block
    return text[:offset] + block + text[offset:]


def _insert_flow(text: str, mapping: MappingNode, flow_text: str) -> str:
    if not mapping.value:
        return replace_span(text, mapping.start_mark.index, mapping.end_mark.index, "{" + flow_text + "}")
    last_key, last_value = mapping.value[-1]
    end = last_key.end_mark.index if is_alias_use(last_key, last_value) else last_value.end_mark.index
    return replace_span(text, end, end, ", " + flow_text)


def _insert_under_null(
    text: str, value: ScalarNode, key: ScalarNode, build: LineBuilder, newline: str, step: int
) -> str:
    indent = key.start_mark.column + step
    if value.value:
        # An explicit ~ or null: drop the token and the blanks before it.
        start = value.start_mark.index
        while start > 0 and text[start - 1] == " ":
            start -= 1
        text = replace_span(text, start, value.end_mark.index, "")
    lines = Lines(text)
    line = key.start_mark.line
    # Continue past comments indented deeper than the key: they belong to it.
    at = line + 1
    while at < len(lines) and lines.items[at].lstrip().startswith("#") and indent_of(lines.items[at]) > key.start_mark.column:
        at += 1
    return _insert_lines(text, lines, at, build(indent), newline)


def reindent(block: list[str], delta: int) -> list[str]:
    """Shift every non-blank line of ``block`` by ``delta`` columns (never below column 0)."""
    out = []
    for line in block:
        if is_blank(line) or delta == 0:
            out.append(line)
        elif delta > 0:
            out.append(" " * delta + line)
        else:
            out.append(line[min(-delta, indent_of(line)) :])
    return out
