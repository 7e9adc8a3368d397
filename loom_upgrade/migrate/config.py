"""Config migrations: a catalog edge's operations applied to a YAML file as text edits.

Each operation finds its key with ruamel.yaml's composer, changes only the bytes it owns
(``yaml_edit``), then parses the new text and compares it with the old data with the
operation applied. Any difference means the edit would change something it should not,
so the file is left as it was and ``MigrationError`` is raised.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from loom_upgrade.errors import MigrationError
from loom_upgrade.i18n import _
from loom_upgrade.migrate import fileio
from loom_upgrade.migrate.paths import PathSyntaxError, Segment, fill_placeholders, format_path, lookup, parse_path, placeholders
from loom_upgrade.migrate.report import FileReport, mask_url_passwords, unified_diff
from loom_upgrade.migrate.yaml_edit import (
    YamlEditError,
    insert_block,
    is_empty_value,
    reindent,
    remove_entry,
    replace_span,
    shares_line_with_dash,
)
from loom_upgrade.migrate.yaml_scalars import ambiguous_plain_scalar, format_key, format_scalar
from loom_upgrade.migrate.yaml_text import (
    BOM,
    Lines,
    DuplicateKeyError,
    YamlParseError,
    _PlainConverter,
    compose_documents,
    detect_mapping_indent,
    entry_extent,
    is_alias_use,
    is_blank,
    is_block,
    parse_documents,
    mapping_find,
    newline_of,
)

log = logging.getLogger(__name__)

MERGE_TAG = "tag:yaml.org,2002:merge"
OPERATIONS = ("rename_key", "move_key", "add_key", "set_default", "set_value", "remove_key")


@dataclass
class Outcome:
    """The result of one operation: the new text and intended data, or a no-op notice."""

    text: str | None = None
    expected: Any = None
    notice: str | None = None


@dataclass
class YamlState:
    """The file being migrated: its text (BOM aside), node trees and plain data."""

    path: Path
    text: str
    bom: bool = False
    newline: str = "\n"
    documents: list[Node | None] = field(default_factory=list)
    data: list[Any] = field(default_factory=list)

    @classmethod
    def from_text(cls, path: Path, text: str) -> "YamlState":
        bom = text.startswith(BOM)
        body = text[1:] if bom else text
        state = cls(path=path, text=body, bom=bom, newline=newline_of(body))
        state.documents, state.data = parse(path, body)
        return state

    def full_text(self) -> str:
        return (BOM if self.bom else "") + self.text


@functools.lru_cache(maxsize=8)
def _parse_cached(text: str) -> tuple[list[Node | None], list[Any]]:
    # Node trees are never modified and plain data is copied before any change, so the
    # same parse serves every operation that starts from the same text.
    return parse_documents(text)


def parse(path: Path, text: str) -> tuple[list[Node | None], list[Any]]:
    try:
        documents, data = _parse_cached(text)
    except DuplicateKeyError as exc:
        raise MigrationError(
            _("{name}: the key {key} is set twice in one mapping (lines {first} and {line})").format(
                name=path.name, key=exc.key, first=exc.first_line, line=exc.line
            ),
            path=path,
            line=exc.line,
            fix=_("Keep one {key} entry in {name} (merge the two if both hold settings), then run the migration again.").format(
                key=exc.key, name=path.name
            ),
        ) from exc
    except YamlParseError as exc:
        raise MigrationError(
            _("{name} is not valid YAML: {reason}").format(name=path.name, reason=exc),
            path=path,
            line=exc.line,
            fix=_("Correct the YAML syntax at that line, then run the migration again."),
        ) from exc
    if not documents:
        documents, data = [None], [None]
    return documents, data


# --- one operation ------------------------------------------------------------------------


def apply_operation(state: YamlState, operation: Mapping[str, Any]) -> str | None:
    """Apply one operation to ``state``; return a notice when it changed nothing."""
    name, args = split_operation(state.path, operation)
    index = select_document(state, args.get("doc"))
    outcome = HANDLERS[name](state, index, args)
    if outcome.text is None or outcome.text == state.text:
        return outcome.notice
    expected = list(state.data)
    expected[index] = outcome.expected
    documents, data = _parse_edited(state, outcome.text, name, args)
    if data != expected:
        log.debug("round-trip check failed for %s %s on %s", name, args.get("path"), state.path)
        line = _line_of(state, index, resolve(state, index, args["path"]))
        raise round_trip_error(state.path, name, args, _("the edited file would hold other data than intended"), line)
    state.text, state.documents, state.data = outcome.text, documents, data
    return outcome.notice


def _parse_edited(state: YamlState, text: str, name: str, args: Mapping[str, Any]) -> tuple[list[Node | None], list[Any]]:
    try:
        return parse(state.path, text)
    except MigrationError as exc:
        cause = _("the edited text would not be valid YAML ({reason})").format(reason=exc.message)
        raise round_trip_error(state.path, name, args, cause, exc.line) from exc


def round_trip_error(path: Path, name: str, args: Mapping[str, Any], cause: str, line: int | None) -> MigrationError:
    """Return the error for an edit whose result does not parse back as intended.

    The message is fixed wording that scripts match; the cause and the operation go in
    the fix. The file itself was valid, so the fix is a hand edit of the file.
    """
    return MigrationError(
        _("refusing to write {name}: round-trip check failed").format(name=path.name),
        path=path,
        line=line,
        fix=_("The {operation} edit of {key} was not made, because {cause}. Make that change in {name} by hand (see docs/architecture.md for the new layout), then run the migration again.").format(
            operation=name, key=args.get("path", "?"), cause=cause, name=path.name
        ),
    )


def split_operation(path: Path, operation: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    if not isinstance(operation, Mapping) or len(operation) != 1:
        raise MigrationError(
            _("invalid config operation {operation!r}: it must be a mapping with one operation name").format(operation=operation),
            path=path,
            fix=_("Write it as {rename_key: {path: a.b, to: c}} (see migrations/releases.yaml)."),
        )
    ((name, args),) = operation.items()
    if name not in HANDLERS or not isinstance(args, Mapping) or "path" not in args:
        raise MigrationError(
            _("invalid config operation {name!r}: expected one of {names} with a path").format(name=name, names=", ".join(OPERATIONS)),
            path=path,
            fix=_("Correct the operation in the release catalog."),
        )
    return name, args


def select_document(state: YamlState, doc: Any) -> int:
    """Return the index of the document an operation acts on (``doc``: index or selector)."""
    count = len(state.documents)
    if doc is None:
        filled = [i for i, node in enumerate(state.documents) if node is not None]
        if count == 1 or len(filled) == 1:
            return filled[0] if filled else 0
        raise MigrationError(
            _("{name} holds {count} YAML documents and the operation does not say which one").format(name=state.path.name, count=count),
            path=state.path,
            fix=_("Add doc: <index, from 0> or doc: {key: value} to the operation."),
        )
    if isinstance(doc, bool) or not isinstance(doc, (int, Mapping)):
        raise MigrationError(
            _("invalid doc {doc!r}: expected a document index or a mapping of key paths to values").format(doc=doc),
            path=state.path,
            fix=_("Write doc: 0 for the first document, or doc: {kind: Service}."),
        )
    if isinstance(doc, int):
        if 0 <= doc < count:
            return doc
        raise MigrationError(
            _("{name} has no document {doc}: it holds {count} (numbered from 0)").format(name=state.path.name, doc=doc, count=count),
            path=state.path,
            fix=_("Use a document index from 0 to {last}.").format(last=count - 1),
        )
    for index, data in enumerate(state.data):
        if all(_matches(data, key, value) for key, value in doc.items()):
            return index
    raise MigrationError(
        _("no document of {name} matches {selector}").format(name=state.path.name, selector=dict(doc)),
        path=state.path,
        fix=_("Check the selector's key paths and values against the file."),
    )


def _matches(data: Any, key: str, value: Any) -> bool:
    found, actual = lookup(data, parse_path(key))
    return found and (actual == value or str(actual) == str(value))


def resolve(state: YamlState, index: int, text: Any, field_name: str = "path") -> list[Segment]:
    """Parse a key path after filling its ``{placeholders}`` from the document's data."""
    if not isinstance(text, str):
        raise MigrationError(
            _("invalid key {what} {value!r}: expected a dotted key path").format(what=field_name, value=text),
            path=state.path,
            fix=_("Correct the operation in the release catalog."),
        )
    try:
        return parse_path(fill_placeholders(text, state.data[index]))
    except KeyError as exc:
        raise MigrationError(
            _("{name}: the key path {path} needs {key}, which is not set").format(name=state.path.name, path=text, key=exc.args[0]),
            path=state.path,
            fix=_("Set {key} in the file, then run the migration again.").format(key=exc.args[0]),
        ) from exc
    except PathSyntaxError as exc:
        raise MigrationError(str(exc), path=state.path, fix=_("Correct the operation in the release catalog.")) from exc


# --- locating in the node tree -------------------------------------------------------------


@dataclass
class Found:
    parent: Node | None
    parent_key: ScalarNode | None
    key: ScalarNode | None
    value: Node | None
    index: int | None
    depth: int


def find(root: Node | None, segments: list[Segment]) -> Found:
    """Walk ``segments``; ``depth`` is how many matched, ``value`` the node when all did."""
    parent: Node | None = None
    parent_key: ScalarNode | None = None
    key: ScalarNode | None = None
    node = root
    index: int | None = None
    for depth, segment in enumerate(segments):
        if isinstance(segment, int) and isinstance(node, SequenceNode) and -len(node.value) <= segment < len(node.value):
            index = segment % len(node.value)
            parent, parent_key, key, node = node, key, None, node.value[index]
            continue
        if isinstance(segment, str) and isinstance(node, MappingNode):
            position = mapping_find(node, segment)
            if position is not None:
                parent, parent_key, index = node, key, position
                key, node = node.value[position]
                continue
        return Found(node, key, None, None, None, depth)
    return Found(parent, parent_key, key, node, index, len(segments))


def merged_lookup(root: Node | None, segments: list[Segment]) -> tuple[bool, Any]:
    """Return (found, plain value) for a key path, following ``<<`` merge keys as YAML loaders do."""
    node = root
    for segment in segments:
        if isinstance(segment, int):
            if not isinstance(node, SequenceNode) or not -len(node.value) <= segment < len(node.value):
                return False, None
            node = node.value[segment]
            continue
        if not isinstance(node, MappingNode):
            return False, None
        node = _merged_value(node, segment, {id(node)})
        if node is None:
            return False, None
    return True, _PlainConverter().convert_document(node)


def _merged_value(mapping: MappingNode, name: str, seen: set[int]) -> Node | None:
    # Own keys win over merged ones, and earlier merge sources over later ones.
    position = mapping_find(mapping, name)
    if position is not None:
        return mapping.value[position][1]
    for key, value in mapping.value:
        if not (isinstance(key, ScalarNode) and str(key.tag) == MERGE_TAG):
            continue
        sources = value.value if isinstance(value, SequenceNode) else [value]
        for source in sources:
            if isinstance(source, MappingNode) and id(source) not in seen:
                found = _merged_value(source, name, seen | {id(source)})
                if found is not None:
                    return found
    return None


# --- plain-data effects (the intended result) -------------------------------------------------


def plain_set(doc: Any, segments: list[Segment], value: Any) -> Any:
    doc = copy.deepcopy(doc) if doc is not None else {}
    current = doc
    for segment in segments[:-1]:
        if isinstance(current, dict) and (segment not in current or current[segment] is None):
            current[segment] = {}
        current = current[segment]
    current[segments[-1]] = value
    return doc


def plain_delete(doc: Any, segments: list[Segment]) -> Any:
    doc = copy.deepcopy(doc)
    current = doc
    for segment in segments[:-1]:
        current = current[segment]
    del current[segments[-1]]
    return doc


def plain_rename(doc: Any, segments: list[Segment], new_name: str) -> Any:
    doc = copy.deepcopy(doc)
    current = doc
    for segment in segments[:-1]:
        current = current[segment]
    items = [(new_name if key == segments[-1] else key, value) for key, value in current.items()]
    current.clear()
    current.update(items)
    return doc


# --- handlers ----------------------------------------------------------------------------


def op_rename_key(state: YamlState, index: int, args: Mapping[str, Any]) -> Outcome:
    segments = resolve(state, index, args["path"])
    new_name = args.get("to")
    if not isinstance(new_name, str) or not new_name or isinstance(segments[-1], int):
        raise _bad_argument(state, "rename_key", args, _("to must be the new name of the last key of path"))
    found = find(state.documents[index], segments)
    sibling = segments[:-1] + [new_name]
    if not found.value:
        if lookup(state.data[index], sibling)[0]:
            return Outcome(notice=_("{old} is already renamed to {new}").format(old=format_path(segments), new=new_name))
        return Outcome(notice=_("{key} is not set; nothing to rename").format(key=format_path(segments)))
    if mapping_find(found.parent, new_name) is not None:
        raise _conflict(state, found, format_path(segments), format_path(sibling))
    new_key = format_key(new_name, found.key.style)
    text = replace_span(state.text, found.key.start_mark.index, found.key.end_mark.index, new_key)
    return Outcome(text=text, expected=plain_rename(state.data[index], segments, new_name))


def op_remove_key(state: YamlState, index: int, args: Mapping[str, Any]) -> Outcome:
    segments = resolve(state, index, args["path"])
    found = find(state.documents[index], segments)
    if not found.value:
        return Outcome(notice=_("{key} is not set; nothing to remove").format(key=format_path(segments)))
    if isinstance(segments[-1], int):
        raise _bad_argument(state, "remove_key", args, _("removing list items is not supported; name a mapping key"))
    if args.get("only_if_empty") and not is_empty_value(found.value):
        return Outcome(notice=_("{key} is kept because it is not empty").format(key=format_path(segments)))
    _reject_anchor_in_use(state, index, found, format_path(segments))
    try:
        text = remove_entry(state.text, found.parent, found.index, found.parent_key)
    except YamlEditError as exc:
        raise _edit_error(state, exc) from exc
    return Outcome(text=text, expected=plain_delete(state.data[index], segments))


def op_add_key(state: YamlState, index: int, args: Mapping[str, Any]) -> Outcome:
    return _add(state, index, args, "add_key")


def op_set_default(state: YamlState, index: int, args: Mapping[str, Any]) -> Outcome:
    return _add(state, index, args, "set_default")


def op_set_value(state: YamlState, index: int, args: Mapping[str, Any]) -> Outcome:
    segments = resolve(state, index, args["path"])
    if "value" not in args:
        raise _bad_argument(state, "set_value", args, _("value is missing"))
    value = args["value"]
    found = find(state.documents[index], segments)
    if not found.value:
        return _add(state, index, args, "set_value")
    if lookup(state.data[index], segments)[1] == value:
        return Outcome(notice=_("{key} already has the value {value}").format(key=format_path(segments), value=format_scalar(value)))
    node = found.value
    if not isinstance(node, ScalarNode) or (found.key is not None and is_alias_use(found.key, node)):
        raise _bad_argument(state, "set_value", args, _("only a scalar value can be replaced; edit this one by hand"))
    text = _replace_scalar(state.text, node, format_scalar(value, flow=not is_block(found.parent)))
    return Outcome(text=text, expected=plain_set(state.data[index], segments, value))


def _replace_scalar(text: str, node: ScalarNode, new: str) -> str:
    start, end = node.start_mark.index, node.end_mark.index
    old = text[start:end]
    if node.style in ("|", ">"):
        # A block scalar's span runs through its last line break: keep one line break.
        tail = old[len(old.rstrip("\r\n")) :]
        newline = "\r\n" if tail.startswith("\r\n") else tail[:1]
        return replace_span(text, start, end, new + newline)
    return replace_span(text, start, end, new)


def _add(state: YamlState, index: int, args: Mapping[str, Any], name: str) -> Outcome:
    segments = resolve(state, index, args["path"])
    if "value" not in args:
        raise _bad_argument(state, name, args, _("value is missing"))
    value = args["value"]
    comment = args.get("comment")
    found, current = lookup(state.data[index], segments)
    merged = False
    if not found:
        # A key inherited through a ``<<`` merge key is set too: a default only fills
        # what is missing, and adding the key would override the merged value.
        merged, current = merged_lookup(state.documents[index], segments)
        if merged and name == "set_value" and current != value:
            merged = False  # set_value writes the key itself, which overrides the merged one
        found = merged
    if found:
        if name == "set_default" and merged:
            return Outcome(notice=_("{key} is already set through a YAML merge key (<<); its value is kept").format(key=format_path(segments)))
        if name == "set_default":
            return Outcome(notice=_("{key} is already set; its value is kept").format(key=format_path(segments)))
        if current == value:
            return Outcome(notice=_("{key} already has the value {value}").format(key=format_path(segments), value=format_scalar(value)))
        raise MigrationError(
            _("{name}: cannot add {key}: it is already set to another value").format(name=state.path.name, key=format_path(segments)),
            path=state.path,
            line=_line_of(state, index, segments),
            fix=_("Remove or rename {key} by hand if the new value should replace it.").format(key=format_path(segments)),
        )
    if isinstance(segments[-1], int):
        raise _bad_argument(state, name, args, _("adding list items is not supported; name a mapping key"))

    def leaf(indent: int) -> list[str]:
        lines = [" " * indent + "# " + str(comment)] if comment else []
        lines.append(" " * indent + format_key(segments[-1]) + ": " + format_scalar(value))
        return lines

    flow = format_key(segments[-1]) + ": " + format_scalar(value, flow=True)
    text = _insert(state, index, segments, leaf, flow)
    return Outcome(text=text, expected=plain_set(state.data[index], segments, value))


def op_move_key(state: YamlState, index: int, args: Mapping[str, Any]) -> Outcome:
    source = resolve(state, index, args["path"])
    found = find(state.documents[index], source)
    if not found.value:
        destination_text = args.get("to")
        if isinstance(destination_text, str) and all(lookup(state.data[index], parse_path(p))[0] for p in placeholders(destination_text)):
            if lookup(state.data[index], resolve(state, index, destination_text, "to"))[0]:
                return Outcome(notice=_("{old} is already moved to {new}").format(old=format_path(source), new=destination_text))
        return Outcome(notice=_("{key} is not set; nothing to move").format(key=format_path(source)))
    destination = resolve(state, index, args.get("to"), "to")
    if isinstance(source[-1], int) or isinstance(destination[-1], int):
        raise _bad_argument(state, "move_key", args, _("path and to must end with a mapping key"))
    if lookup(state.data[index], destination)[0]:
        raise _conflict(state, found, format_path(source), format_path(destination))
    value = lookup(state.data[index], source)[1]
    template = args.get("template")
    if template is not None:
        if is_alias_use(found.key, found.value):
            raise _alias_value_error(state, found, format_path(source))
        if not isinstance(found.value, ScalarNode):
            raise _bad_argument(state, "move_key", args, _("a template needs a scalar value"))
        value = str(template).replace("{value}", "" if value is None else str(value))
    expected = plain_set(plain_delete(state.data[index], source), destination, value)

    if source[:-1] == destination[:-1]:
        # Same parent: a rename, with the templated value in place.
        text = state.text
        if template is not None:
            text = _replace_scalar(text, found.value, format_scalar(value, flow=not is_block(found.parent)))
        text = replace_span(text, found.key.start_mark.index, found.key.end_mark.index, format_key(destination[-1], found.key.style))
        return Outcome(text=text, expected=expected)

    text = state.text
    if template is not None:
        text = _replace_scalar(text, found.value, format_scalar(value))
        documents = compose_documents(text)
        found = find(documents[index], source)
    _reject_anchor_in_use(state, index, found, format_path(source))
    block, column = _extract_entry(state, text, found, destination[-1])
    try:
        text = remove_entry(text, found.parent, found.index, found.parent_key)
    except YamlEditError as exc:
        raise _edit_error(state, exc) from exc
    moved = YamlState(path=state.path, text=text, bom=state.bom, newline=state.newline)
    moved.documents, moved.data = parse(state.path, text)
    text = _insert(moved, index, destination, lambda indent: reindent(block, indent - column), None)
    return Outcome(text=text, expected=expected)


def _alias_value_error(state: YamlState, found: Found, key: str) -> MigrationError:
    """Return the error for a templated move of a value written as an alias (``*name``)."""
    after_key = state.text[found.key.end_mark.index : found.key.end_mark.index + 200]
    match = re.match(r"\s*:\s*\*([^\s,\]}]+)", after_key)
    anchor = match.group(1) if match else "?"
    return MigrationError(
        _("{name}: {key} is the alias *{anchor}, so the template cannot rewrite its value in place").format(
            name=state.path.name, key=key, anchor=anchor
        ),
        path=state.path,
        line=found.key.start_mark.line + 1,
        fix=_("Write the value of the anchor &{anchor} in place of *{anchor} in {name}, then run the migration again.").format(
            anchor=anchor, name=state.path.name
        ),
    )


def _reject_anchor_in_use(state: YamlState, index: int, found: Found, key: str) -> None:
    """Raise when the entry defines an anchor that an alias outside the entry refers to."""
    start = found.key.start_mark.index
    end = found.value.end_mark.index if not is_alias_use(found.key, found.value) else found.key.end_mark.index
    root = state.documents[index]
    visited: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)] if root is not None else []
    while stack:
        node, inside = stack.pop()
        if id(node) in visited:
            defined_inside = start <= node.start_mark.index < end
            if defined_inside and not inside:
                raise MigrationError(
                    _("{name}: cannot remove or move {key}: it defines an anchor that an alias elsewhere in the file refers to").format(
                        name=state.path.name, key=key
                    ),
                    path=state.path,
                    line=found.key.start_mark.line + 1,
                    fix=_("Replace the aliases of that anchor (*name or <<: *name) with their own values, then run the migration again."),
                )
            continue
        visited.add(id(node))
        # Pushed in reverse so that nodes pop in document order: the first visit of a
        # shared node is its anchor, every later one an alias.
        if isinstance(node, MappingNode):
            for child_key, child_value in reversed(node.value):
                stack.append((child_value, inside or child_key is found.key))
                stack.append((child_key, inside))
        elif isinstance(node, SequenceNode):
            stack.extend((item, inside) for item in reversed(node.value))


def _extract_entry(state: YamlState, text: str, found: Found, new_name: str) -> tuple[list[str], int]:
    """Return the lines a block entry owns, renamed to ``new_name``, and the key's column."""
    lines = Lines(text)
    if not is_block(found.parent) or shares_line_with_dash(lines, found.key):
        raise MigrationError(
            _("{name}: cannot move {key} out of a flow mapping or list item").format(name=state.path.name, key=found.key.value),
            path=state.path,
            line=found.key.start_mark.line + 1,
            fix=_("Rewrite that mapping in block style, one key per line, then run the migration again."),
        )
    extent = entry_extent(lines, found.key, found.value)
    block = [lines.body(line) for line in range(extent.start, extent.content_end)]
    row = extent.key_line - extent.start
    start = found.key.start_mark.index - lines.offset(extent.key_line)
    end = found.key.end_mark.index - lines.offset(extent.key_line)
    block[row] = block[row][:start] + format_key(new_name, found.key.style) + block[row][end:]
    # Trailing blank lines stay where they were.
    while block and is_blank(block[-1]):
        block.pop()
    return block, found.key.start_mark.column


def _insert(
    state: YamlState, index: int, segments: list[Segment], leaf: Callable[[int], list[str]], flow_leaf: str | None
) -> str:
    """Insert a new entry at ``segments``, creating missing parent sections."""
    root = state.documents[index]
    reached = find(root, segments[:-1])
    container = reached.value if reached.depth == len(segments) - 1 else reached.parent
    container_key = reached.key if reached.depth == len(segments) - 1 else reached.parent_key
    if reached.depth < len(segments) - 1 and reached.depth == 0:
        container, container_key = root, None
    if container is root and isinstance(root, ScalarNode) and root.value == "" and is_empty_value(root):
        # An empty document (only `---` or comments): the new entry goes at its end.
        container = None
    missing = list(segments[reached.depth :])
    if any(isinstance(segment, int) for segment in missing):
        raise MigrationError(
            _("{name}: cannot create the list items of {key}").format(name=state.path.name, key=format_path(segments)),
            path=state.path,
            fix=_("Create the list by hand, then run the migration again."),
        )
    step = detect_mapping_indent(state.documents)
    section_gap = _sections_are_spaced(state, container) and len(missing) > 1 and container is root

    def build(indent: int) -> list[str]:
        out = [""] if section_gap else []
        for level, name in enumerate(missing[:-1]):
            out.append(" " * (indent + level * step) + format_key(name) + ":")
        out.extend(leaf(indent + (len(missing) - 1) * step))
        return out

    flow = flow_leaf
    if flow is not None:
        for name in reversed(missing[:-1]):
            flow = format_key(name) + ": {" + flow + "}"
    try:
        return insert_block(state.text, container, container_key, build, newline=state.newline, step=step, flow_text=flow)
    except YamlEditError as exc:
        raise _edit_error(state, exc) from exc


def _sections_are_spaced(state: YamlState, container: Node | None) -> bool:
    """Return True when the root's last section is set off by a blank line above it."""
    if not isinstance(container, MappingNode) or not is_block(container) or len(container.value) < 2:
        return False
    lines = Lines(state.text)
    key, value = container.value[-1]
    start = entry_extent(lines, key, value).start
    return start > 0 and is_blank(lines.items[start - 1])


def _line_of(state: YamlState, index: int, segments: list[Segment]) -> int | None:
    found = find(state.documents[index], segments)
    return found.key.start_mark.line + 1 if found.key is not None else None


def _bad_argument(state: YamlState, name: str, args: Mapping[str, Any], reason: str) -> MigrationError:
    return MigrationError(
        _("invalid {operation} on {key} in {name}: {reason}").format(operation=name, key=args.get("path"), name=state.path.name, reason=reason),
        path=state.path,
        fix=_("Correct the operation in the release catalog."),
    )


def _conflict(state: YamlState, found: Found, old: str, new: str) -> MigrationError:
    return MigrationError(
        _("{name}: both {old} and {new} are set, so {old} cannot take the new name").format(name=state.path.name, old=old, new=new),
        path=state.path,
        line=found.key.start_mark.line + 1 if found.key is not None else None,
        fix=_("Keep the value you want under {new}, delete {old}, then run the migration again.").format(old=old, new=new),
    )


def _edit_error(state: YamlState, exc: YamlEditError) -> MigrationError:
    return MigrationError(
        _("{name}: {reason}").format(name=state.path.name, reason=exc),
        path=state.path,
        line=exc.line,
        fix=_("Rewrite that part in block style, one key per line, then run the migration again."),
    )


HANDLERS: dict[str, Callable[[YamlState, int, Mapping[str, Any]], Outcome]] = {
    "rename_key": op_rename_key,
    "move_key": op_move_key,
    "add_key": op_add_key,
    "set_default": op_set_default,
    "set_value": op_set_value,
    "remove_key": op_remove_key,
}


# --- files -------------------------------------------------------------------------------


def ambiguous_values(state: YamlState) -> list[tuple[int, str]]:
    """Return (line, text) of plain scalars that YAML 1.1 and 1.2 readers read differently."""
    found: list[tuple[int, str]] = []

    def visit(node: Node | None, seen: set[int]) -> None:
        if node is None or id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            if not node.style and node.value not in ("true", "false", "null", "~", "") and ambiguous_plain_scalar(node.value):
                if node.tag == "tag:yaml.org,2002:str" or node.value[:1] == "0" and node.value[1:2].isdigit() or ":" in node.value:
                    found.append((node.start_mark.line + 1, node.value))
            return
        if isinstance(node, MappingNode):
            for key, value in node.value:
                visit(value, seen)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                visit(item, seen)

    for document in state.documents:
        visit(document, set())
    return sorted(found)


def migrate_config_text(path: Path, text: str, operations: list[Mapping[str, Any]]) -> tuple[str, FileReport]:
    """Apply ``operations`` to ``text`` and return the new text with a report (nothing is written)."""
    report = FileReport(path=path, kind="config")
    state = YamlState.from_text(path, text)
    for operation in operations:
        notice = apply_operation(state, operation)
        if notice is None:
            report.count("applied")
        else:
            report.count("skipped")
            report.notices.append(notice)
    new_text = state.full_text()
    if new_text != text:
        for line, value in ambiguous_values(state):
            report.warnings.append(
                _("{location}: the unquoted value {value} is read as another type by YAML 1.1 tools; quote it if it is meant as text").format(
                    location=f"{path.name}:{line}", value=value
                )
            )
    return new_text, report


def migrate_config_file(path: Path, operations: list[Mapping[str, Any]], *, dry_run: bool = False) -> FileReport:
    """Apply config operations to the YAML file at ``path``; the file is rewritten only if it changes."""
    text = fileio.read_text(path)
    new_text, report = migrate_config_text(path, text, operations)
    if new_text != text:
        report.changed = True
        report.diff = unified_diff(mask_url_passwords(text), mask_url_passwords(new_text), path.name)
        if not dry_run:
            fileio.write_text_atomic(path, new_text)
    return report
