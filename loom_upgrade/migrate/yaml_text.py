"""Locating keys in YAML text and working out which lines each key owns.

ruamel.yaml's composer gives every node its start and end position in the text. The
operations in ``config_ops`` use those positions to change only the bytes they own,
never by loading and dumping the file. A key *owns*:

- its key line and every following line indented deeper than the key (its value, the
  comments inside it, and comments after it indented deeper than the key);
- the comment lines directly above it (no blank line between) at its own indentation or
  less, unless the key is directly followed by a sibling key, in which case those
  comments head a group of keys and stay.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from loom_upgrade.migrate.paths import Segment

BOM = "\ufeff"


class YamlParseError(Exception):
    """The text is not valid YAML; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def compose_documents(text: str) -> list[Node | None]:
    """Return the node tree of every document of ``text`` (without a BOM)."""
    try:
        return list(_yaml().compose_all(io.StringIO(text)))
    except (MarkedYAMLError, YAMLError) as exc:
        raise YamlParseError(str(exc).strip(), _error_line(exc)) from exc


def load_documents(text: str) -> list[Any]:
    """Return every document of ``text`` as plain comparable data (see ``to_plain``)."""
    try:
        documents = list(_yaml().load_all(io.StringIO(text)))
    except (MarkedYAMLError, YAMLError) as exc:
        raise YamlParseError(str(exc).strip(), _error_line(exc)) from exc
    return [to_plain(document, {}) for document in documents]


def _error_line(exc: Exception) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else None


@dataclass(frozen=True)
class Alias:
    """A repeated occurrence of an anchored collection, compared by its anchor name."""

    anchor: str


def to_plain(value: Any, seen: dict[int, str]) -> Any:
    """Convert ruamel.yaml round-trip data into dicts, lists and scalars.

    Merge keys stay as a ``<<`` entry naming the merged anchors, and repeated anchored
    collections become ``Alias`` objects, so that an edit inside an anchored mapping
    compares equal however many places merge or alias it.
    """
    if isinstance(value, (CommentedMap, CommentedSeq)):
        anchor = value.anchor.value if value.anchor is not None else None
        if id(value) in seen:
            return Alias(seen[id(value)])
        if anchor:
            seen[id(value)] = anchor
    if isinstance(value, CommentedMap):
        plain: dict[Any, Any] = {}
        merged = getattr(value, "merge", None) or []
        if merged:
            plain["<<"] = [Alias(item.anchor.value) if item.anchor.value else to_plain(item, seen) for _, item in merged]
        for key, item in value.non_merged_items():
            plain[_plain_key(key)] = to_plain(item, seen)
        return plain
    if isinstance(value, CommentedSeq):
        return [to_plain(item, seen) for item in value]
    if isinstance(value, TaggedScalar):
        return ("tag", str(value.tag.value if hasattr(value.tag, "value") else value.tag), value.value)
    if isinstance(value, Mapping):
        return {_plain_key(key): to_plain(item, seen) for key, item in value.items()}
    if isinstance(value, list):
        return [to_plain(item, seen) for item in value]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


def _plain_key(key: Any) -> Any:
    if isinstance(key, (CommentedMap, CommentedSeq)):
        return repr(to_plain(key, {}))
    return to_plain(key, {})


# --- lines -------------------------------------------------------------------------------


class Lines:
    """The text split into lines that keep their endings, with offsets of each line start."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.items = text.splitlines(keepends=True)
        self.starts: list[int] = []
        offset = 0
        for line in self.items:
            self.starts.append(offset)
            offset += len(line)

    def __len__(self) -> int:
        return len(self.items)

    def offset(self, line: int) -> int:
        return self.starts[line] if line < len(self.items) else len(self.text)

    def body(self, line: int) -> str:
        return self.items[line].rstrip("\r\n")


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def is_blank(line: str) -> bool:
    return not line.strip()


def is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def is_document_marker(line: str) -> bool:
    body = line.rstrip("\r\n")
    return body[:3] in ("---", "...") and (len(body) == 3 or body[3] in " \t")


def newline_of(text: str) -> str:
    """Return the file's line ending: that of its first line, else LF."""
    position = text.find("\n")
    if position > 0 and text[position - 1] == "\r":
        return "\r\n"
    return "\n"


# --- locating keys -----------------------------------------------------------------------


@dataclass
class Located:
    """Where a path ends: the mapping (or sequence) holding it and, when found, its node."""

    parent: Node | None
    key: ScalarNode | None
    value: Node | None
    index: int | None

    @property
    def found(self) -> bool:
        return self.value is not None


def mapping_find(mapping: MappingNode, name: str) -> int | None:
    for position, (key, _value) in enumerate(mapping.value):
        if isinstance(key, ScalarNode) and key.value == name and key.tag != "tag:yaml.org,2002:merge":
            return position
    return None


def locate(root: Node | None, segments: list[Segment]) -> tuple[Located, int]:
    """Walk ``segments`` from ``root``; return the deepest point reached and how many matched.

    When every segment matched, the result's value is the node at the path. Otherwise
    ``parent`` is the last node found and the count tells which segment is missing.
    """
    current = root
    located = Located(None, None, root, None)
    for depth, segment in enumerate(segments):
        if isinstance(segment, int):
            if not isinstance(current, SequenceNode) or not -len(current.value) <= segment < len(current.value):
                return Located(current, None, None, None), depth
            position = segment % len(current.value)
            located = Located(current, None, current.value[position], position)
        else:
            if not isinstance(current, MappingNode):
                return Located(current, None, None, None), depth
            position = mapping_find(current, segment)
            if position is None:
                return Located(current, None, None, None), depth
            key, value = current.value[position]
            located = Located(current, key, value, position)
        current = located.value
    return located, len(segments)


def is_block(node: Node) -> bool:
    return not getattr(node, "flow_style", False)


# --- extents -----------------------------------------------------------------------------


@dataclass
class Extent:
    """Lines owned by one mapping entry: [start, end) with own comments, [key_line, content_end)."""

    start: int
    key_line: int
    content_end: int
    end: int


def entry_extent(lines: Lines, key: ScalarNode, value: Node) -> Extent:
    """Return the lines a block mapping entry owns (see the module docstring)."""
    key_line = key.start_mark.line
    column = key.start_mark.column
    value_is_sequence = isinstance(value, SequenceNode) and is_block(value)
    last_content = max(key_line, last_line_of(value, lines) if not is_alias_use(key, value) else key_line)
    line = last_content + 1
    while line < len(lines):
        text = lines.items[line]
        if is_document_marker(text) and indent_of(text) == 0:
            break
        if is_blank(text) or is_comment(text):
            line += 1
            continue
        indent = indent_of(text)
        if indent > column or (value_is_sequence and indent == column and text.lstrip(" ").startswith("-")):
            last_content = line
            line += 1
            continue
        break
    content_end = last_content + 1
    # Comments right after the value and indented deeper than the key belong to it.
    while content_end < len(lines) and is_comment(lines.items[content_end]) and indent_of(lines.items[content_end]) > column:
        content_end += 1

    start = key_line
    if _comment_heads_entry(lines, content_end, column):
        while start > 0:
            above = lines.items[start - 1]
            if not is_comment(above) or indent_of(above) > column:
                break
            start -= 1
    return Extent(start=start, key_line=key_line, content_end=content_end, end=content_end)


def is_alias_use(key: Node, value: Node) -> bool:
    """Return True when ``value`` is an alias: the composer hands back the anchored node."""
    return value.start_mark.index < key.end_mark.index


def last_line_of(node: Node, lines: Lines) -> int:
    """Return the last line holding text of ``node``.

    A block collection's end mark sits at the next token, possibly after comments that
    belong to the next key, so the last child decides instead.
    """
    if isinstance(node, MappingNode) and is_block(node) and node.value:
        key, value = node.value[-1]
        return key.start_mark.line if is_alias_use(key, value) else max(key.start_mark.line, last_line_of(value, lines))
    if isinstance(node, SequenceNode) and is_block(node) and node.value:
        item = node.value[-1]
        if item.start_mark.index < node.start_mark.index:
            # An alias: the scan in entry_extent finds the lines after the sequence start.
            return node.start_mark.line
        return last_line_of(item, lines)
    end = node.end_mark
    line = end.line
    if line > node.start_mark.line and end.index <= lines.offset(line):
        line -= 1
    return max(0, min(line, len(lines) - 1))


def _comment_heads_entry(lines: Lines, content_end: int, column: int) -> bool:
    """Return False when the entry is directly followed by a sibling key (a key group)."""
    if content_end >= len(lines):
        return True
    following = lines.items[content_end]
    if is_blank(following) or is_comment(following) or is_document_marker(following):
        return True
    return indent_of(following) < column


def detect_mapping_indent(documents: list[Node | None]) -> int:
    """Return the most common indentation step between a block mapping key and its children."""
    steps: Counter[int] = Counter()

    def visit(node: Node | None) -> None:
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(value, MappingNode) and is_block(value) and value.value:
                    child = value.value[0][0]
                    if child.start_mark.line > key.start_mark.line:
                        step = child.start_mark.column - key.start_mark.column
                        if step > 0:
                            steps[step] += 1
                visit(value)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                visit(item)

    for document in documents:
        visit(document)
    return steps.most_common(1)[0][0] if steps else 2
