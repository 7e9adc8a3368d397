"""Locating keys in YAML text and working out which lines each key owns.

ruamel.yaml's composer gives every node its start and end position in the text. The
operations in ``config_ops`` use those positions to change only the bytes they own,
never by loading and dumping the file. A key *owns*:

- its key line and every following line indented deeper than the key (its value, the
  comments inside it, and comments after it indented deeper than the key);
- the comment lines directly above it (no blank line between) at its own indentation or
  less. The exception is a comment block set off by a blank line above it whose key is
  directly followed by a sibling key: such a block heads a group of keys and stays.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


BOM = "\ufeff"


class YamlParseError(Exception):
    """The text is not valid YAML; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class DuplicateKeyError(YamlParseError):
    """A mapping has the same key twice; ``line`` is the second one's."""

    def __init__(self, key: str, first_line: int, line: int) -> None:
        super().__init__(f"duplicate key {key!r} (first set at line {first_line})", line)
        self.key = key
        self.first_line = first_line


def _composer() -> YAML:
    # The safe composer (libyaml-based when ruamel.yaml.clib is installed) took a tenth of
    # the round-trip composer's time on a 12 KB file. Only node positions are needed,
    # because comments are found in the text itself. Tags resolve by YAML 1.2 either way.
    return YAML(typ="safe", pure=False)


def compose_documents(text: str) -> list[Node | None]:
    """Return the node tree of every document of ``text`` (without a BOM)."""
    try:
        documents = list(_composer().compose_all(io.StringIO(text)))
    except (MarkedYAMLError, YAMLError) as exc:
        raise YamlParseError(_describe(exc, text), _error_line(exc, text)) from exc
    for document in documents:
        _reject_duplicate_keys(document)
    return documents


def _describe(exc: Exception, source: str) -> str:
    """Return the parser's problem without its ``in "<file>", line N`` marks (the caller names file:line)."""
    problem = getattr(exc, "problem", None)
    if not problem:
        return str(exc).split("\n", 1)[0].strip()
    context = getattr(exc, "context", None)
    mark = getattr(exc, "problem_mark", None)
    message = f"{problem} ({context})" if context else str(problem)
    at_end = mark is not None and mark.line >= len(source.splitlines())
    return message + (f" at column {mark.column + 1}" if mark is not None and not at_end else "")


def _reject_duplicate_keys(root: Node | None) -> None:
    # YAML forbids a key twice in one mapping; readers differ on which value wins, and
    # the composer accepts it, so a rename or move could not tell which one it meant.
    seen_nodes: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[str, ScalarNode] = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode) and str(key.tag) != "tag:yaml.org,2002:merge":
                    if key.value in first:
                        raise DuplicateKeyError(key.value, first[key.value].start_mark.line + 1, key.start_mark.line + 1)
                    first[key.value] = key
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


def parse_documents(text: str) -> tuple[list[Node | None], list[Any]]:
    """Return the node trees and the plain data (see ``to_plain``) of every document."""
    documents = compose_documents(text)
    converter = _PlainConverter()
    try:
        return documents, [converter.convert_document(document) for document in documents]
    except (MarkedYAMLError, YAMLError) as exc:
        raise YamlParseError(_describe(exc, text), _error_line(exc, text)) from exc


def _error_line(exc: Exception, text: str) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is None:
        return None
    # At the end of the input the mark sits on the empty line after the last newline;
    # the problem is on the file's last line.
    return max(1, min(mark.line + 1, len(text.splitlines()) or 1))


@dataclass(frozen=True)
class Alias:
    """A repeated occurrence of an anchored node, numbered in order of first appearance."""

    number: int


@dataclass(frozen=True)
class Tagged:
    """A scalar with an application tag such as ``!secret``: compared by tag and text."""

    tag: str
    value: str


_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_STANDARD_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "timestamp", "binary")
)


class _PlainConverter:
    """Turns node trees into dicts, lists and scalars that compare by content.

    A node reached a second time (an alias, including the value of a ``<<`` merge key)
    becomes an ``Alias``, so an edit inside an anchored mapping compares equal however
    many places merge or alias it.
    """

    def __init__(self) -> None:
        self.constructor = YAML(typ="safe", pure=True).constructor
        self.shared: set[int] = set()
        self.seen: dict[int, int] = {}

    def convert_document(self, node: Node | None) -> Any:
        self.shared = _shared_nodes(node)
        return self.convert(node)

    def convert(self, node: Node | None) -> Any:
        if node is None:
            return None
        if id(node) in self.shared:
            # Only nodes reached more than once get numbers, so that edits elsewhere
            # in the document do not renumber them.
            if id(node) in self.seen:
                return Alias(self.seen[id(node)])
            self.seen[id(node)] = len(self.seen)
        if isinstance(node, MappingNode):
            plain: dict[Any, Any] = {}
            for key, value in node.value:
                plain[self.key(key)] = self.convert(value)
            return plain
        if isinstance(node, SequenceNode):
            return [self.convert(item) for item in node.value]
        tag = str(node.tag)
        if tag == _STR:
            return node.value
        if tag == _NULL:
            return None
        if tag not in _STANDARD_TAGS:
            return Tagged(tag, node.value)
        value = self.constructor.construct_object(node, deep=True)
        self.constructor.constructed_objects.clear()
        return value

    def key(self, node: Node) -> Any:
        if isinstance(node, ScalarNode):
            if node.value == "<<" and str(node.tag) == "tag:yaml.org,2002:merge":
                return "<<"
            return self.convert(node)
        return repr(self.convert(node))


def _shared_nodes(root: Node | None) -> set[int]:
    """Return the ids of nodes that appear more than once in the tree (anchored and aliased)."""
    visits: set[int] = set()
    shared: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in visits:
            shared.add(id(node))
            continue
        visits.add(id(node))
        if isinstance(node, MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return shared


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
    """Return the line ending most lines of ``text`` use (LF for a text without one)."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


# --- locating keys -----------------------------------------------------------------------


def mapping_find(mapping: MappingNode, name: str) -> int | None:
    """Return the position of key ``name`` in ``mapping`` (merge keys are skipped), or None."""
    for position, (key, _value) in enumerate(mapping.value):
        if isinstance(key, ScalarNode) and key.value == name and key.tag != "tag:yaml.org,2002:merge":
            return position
    return None


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
    while start > 0:
        above = lines.items[start - 1]
        if not is_comment(above) or indent_of(above) > column:
            break
        start -= 1
    if start < key_line and _heads_group(lines, start, content_end, column):
        start = key_line
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


def _heads_group(lines: Lines, comment_start: int, content_end: int, column: int) -> bool:
    """Return True when a comment block above an entry heads a group of keys.

    That is a block with a blank line above it, over a key directly followed by a
    sibling key.
    """
    if comment_start == 0 or not is_blank(lines.items[comment_start - 1]):
        return False
    if content_end >= len(lines):
        return False
    following = lines.items[content_end]
    if is_blank(following) or is_comment(following) or is_document_marker(following):
        return False
    return indent_of(following) == column


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
