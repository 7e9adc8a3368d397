"""Parse canon Markdown into a :class:`Canon` with markdown-it-py.

A canon file has YAML front matter (``title``, ``language``, ``canon_version``) and H2
sections World, Characters, Places, Rules, Opening and Narrator Notes, in English or
Chinese, pre-0.10 names included (see :mod:`loom_runtime.rules.sections`). Characters and
places are H3 headings followed by their description, or list items such as
``**Mira**: the innkeeper``. Rules are list items prefixed ``Allowed:`` or ``Forbidden:``
(``允许：``/``禁止：``), or list items under an H3 ``Allowed`` or ``Forbidden``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from loom_runtime.i18n import _
from loom_runtime.rules import sections
from loom_runtime.rules.errors import CanonError
from loom_runtime.rules.model import Canon, CanonWarning, Entity, Rule

logger = logging.getLogger(__name__)

_RULE_PREFIX = re.compile(r"^\s*(allowed|forbidden|允许|禁止)\s*[:：]\s*(.*)$", re.IGNORECASE | re.DOTALL)
# Separators between a name and its description in a list item, e.g. "Mira: the innkeeper".
_NAME_SEPARATORS = ("：", ":", " — ", " – ", " - ")
_QUOTED = re.compile(r"[\"“「『]([^\"”」』]+)[\"”」』]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class _Block:
    """A paragraph, list item or H3 heading inside a section, as plain text."""

    kind: str  # "paragraph", "item" or "heading"
    text: str
    line: int
    code_spans: list[str] = field(default_factory=list)


@dataclass
class _Section:
    key: str | None
    heading: str
    line: int
    blocks: list[_Block] = field(default_factory=list)


def load_canon(path: str | Path) -> Canon:
    """Read and parse the canon file at ``path``; raise :class:`CanonError` if it is unusable."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CanonError(
            str(path), None, _("The canon file does not exist."), _("Check the path, or run 'loom init' to write a starter canon.")
        ) from exc
    except UnicodeDecodeError as exc:
        raise CanonError(str(path), None, _("The canon file is not valid UTF-8."), _("Save the file as UTF-8.")) from exc
    except OSError as exc:
        raise CanonError(
            str(path), None, _("The canon file cannot be read: {reason}").format(reason=exc.strerror), _("Check the file's permissions.")
        ) from exc
    return parse_canon(text, path)


def parse_canon(text: str, path: str | Path = "<canon>") -> Canon:
    """Parse canon Markdown ``text``; ``path`` is only used in messages and the result."""
    name = str(path)
    tokens = _markdown().parse(text)
    front_matter = _read_front_matter(tokens, text, name)
    title_heading, section_list, warnings = _split_sections(tokens, name)

    parts = _collect_parts(section_list, name)
    opening = parts.get(sections.OPENING)
    if opening is None:
        raise CanonError(name, None, _("The canon has no Opening section."), _("Add a '## Opening' section (or '## 开场') with the scene that starts every session."))
    opening_text = _join_text(opening.blocks)
    if not opening_text:
        raise CanonError(name, opening.line, _("The Opening section is empty."), _("Write the scene that starts every session under the Opening heading."))

    title = _front_matter_string(front_matter, "title", name) or title_heading or Path(name).stem
    canon = Canon(
        path=Path(name),
        title=title,
        language=_language(front_matter, text, name),
        canon_version=_front_matter_string(front_matter, "canon_version", name),
        world=_join_text(parts[sections.WORLD].blocks) if sections.WORLD in parts else "",
        characters=_entities(parts.get(sections.CHARACTERS), name, _("character")),
        places=_entities(parts.get(sections.PLACES), name, _("place")),
        rules=_rules(parts.get(sections.RULES), name),
        opening=opening_text,
        notes=_join_text(parts[sections.NOTES].blocks) if sections.NOTES in parts else "",
        warnings=warnings,
    )
    for warning in warnings:
        logger.warning("%s, line %s: %s", warning.path, warning.line, warning.message)
    return canon


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark").use(front_matter_plugin)


# Front matter


def _read_front_matter(tokens: list[Token], text: str, path: str) -> dict[str, Any]:
    token = next((t for t in tokens if t.type == "front_matter"), None)
    if token is None:
        if text.split("\n", 1)[0].rstrip() == "---":
            # markdown-it reads an unclosed front matter block as a thematic break and prose.
            raise CanonError(path, 1, _("The front matter is not closed."), _("End the front matter with a line that contains only '---'."))
        return {}
    try:
        data = YAML(typ="safe", pure=True).load(token.content)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # The YAML starts on line 2 of the file, after the opening '---'.
        line = mark.line + 2 if mark is not None else 1
        raise CanonError(
            path, line, _("The front matter is not valid YAML: {reason}").format(reason=exc.problem or exc.context),
            _("Write the front matter as 'key: value' lines between two '---' lines."),
        ) from exc
    except YAMLError as exc:
        raise CanonError(path, 1, _("The front matter is not valid YAML: {reason}").format(reason=exc), _("Write the front matter as 'key: value' lines between two '---' lines.")) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CanonError(path, 2, _("The front matter must be a mapping of keys to values."), _("Write the front matter as 'key: value' lines, for example 'title: The Salt Coast'."))
    return data


def _front_matter_string(front_matter: dict[str, Any], key: str, path: str) -> str | None:
    value = front_matter.get(key)
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise CanonError(path, 2, _("The front matter key '{key}' must be a single value.").format(key=key), _("Write '{key}' as text on one line.").format(key=key))
    return str(value).strip() or None


def _language(front_matter: dict[str, Any], text: str, path: str) -> str:
    declared = _front_matter_string(front_matter, "language", path)
    if declared is None:
        # Without a declared language, any Chinese character in the text marks a Chinese canon.
        return "zh" if _CJK.search(text) else "en"
    folded = declared.casefold().replace("_", "-")
    if folded.startswith("zh"):
        return "zh"
    if folded.startswith("en"):
        return "en"
    raise CanonError(path, 2, _("The language '{language}' is not supported.").format(language=declared), _("Set 'language' to 'en' or 'zh-CN'."))


# Sections and blocks


def _split_sections(tokens: list[Token], path: str) -> tuple[str | None, list[_Section], list[CanonWarning]]:
    """Group the document's blocks under their H2 section; return (H1 title, sections, warnings)."""
    title: str | None = None
    found: list[_Section] = []
    warnings: list[CanonWarning] = []
    current: _Section | None = None
    list_depth = 0
    item: _Block | None = None

    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            heading = _plain_text(tokens[index + 1])[0]
            line = _line(token)
            if token.tag == "h1":
                title = title or heading
            elif token.tag == "h2":
                current = _Section(sections.section_key(heading), heading, line)
                found.append(current)
                if current.key is None:
                    message = _("Unknown section '{heading}' is ignored.").format(heading=heading)
                    warnings.append(CanonWarning(path, line, message))
            elif current is not None:
                current.blocks.append(_Block("heading", heading, line))
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif token.type == "list_item_open" and list_depth == 1:
            item = _Block("item", "", _line(token))
            if current is not None:
                current.blocks.append(item)
        elif token.type == "list_item_close" and list_depth == 1:
            item = None
        elif token.type == "inline" and tokens[index - 1].type == "paragraph_open" and current is not None:
            text, spans = _plain_text(token)
            if item is not None:
                # Paragraphs of nested lists belong to the top-level item.
                item.text = f"{item.text} {text}".strip()
                item.code_spans.extend(spans)
            else:
                current.blocks.append(_Block("paragraph", text, _line(tokens[index - 1]), spans))
    return title, found, warnings


def _collect_parts(found: list[_Section], path: str) -> dict[str, _Section]:
    """Merge repeated sections so that two 'Characters' headings read as one."""
    parts: dict[str, _Section] = {}
    for section in found:
        if section.key is None:
            continue
        if section.key in parts:
            parts[section.key].blocks.extend(section.blocks)
        else:
            parts[section.key] = section
    return parts


def _plain_text(inline: Token) -> tuple[str, list[str]]:
    """Return the inline token's text without Markdown markup, and its code spans."""
    pieces: list[str] = []
    spans: list[str] = []
    for child in inline.children or []:
        if child.type in ("text", "html_inline"):
            pieces.append(child.content)
        elif child.type == "code_inline":
            pieces.append(child.content)
            spans.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            pieces.append(" ")
    return re.sub(r"[ \t]+", " ", "".join(pieces)).strip(), spans


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 1


def _join_text(blocks: list[_Block]) -> str:
    return "\n\n".join(block.text for block in blocks if block.text and block.kind != "heading")


# Characters and places


def _entities(section: _Section | None, path: str, noun: str) -> list[Entity]:
    if section is None:
        return []
    entities: list[Entity] = []
    current: list[Any] | None = None  # [name, description parts, line] of an H3 entity

    def finish() -> None:
        if current is not None:
            entities.append(Entity(current[0], " ".join(current[1]).strip(), current[2]))

    for block in section.blocks:
        if block.kind == "heading":
            finish()
            current = [block.text, [], block.line]
        elif current is not None:
            current[1].append(block.text)
        elif block.kind == "item":
            name, description = _split_name(block.text)
            if not name:
                raise CanonError(
                    path, block.line, _("The {noun} list item is empty.").format(noun=noun),
                    _("Write it as 'Name: description', or delete the empty list item."),
                )
            entities.append(Entity(name, description, block.line))
    finish()
    _reject_duplicates(entities, path, noun)
    return entities


def _split_name(text: str) -> tuple[str, str]:
    positions = [(text.find(sep), sep) for sep in _NAME_SEPARATORS if text.find(sep) > 0]
    if not positions:
        return text.strip(), ""
    position, separator = min(positions)
    return text[:position].strip(), text[position + len(separator):].strip()


def _reject_duplicates(entities: list[Entity], path: str, noun: str) -> None:
    seen: dict[str, Entity] = {}
    for entity in entities:
        key = entity.name.casefold()
        if key in seen:
            raise CanonError(
                path, entity.line,
                _("The {noun} '{name}' is defined twice (first on line {first}).").format(noun=noun, name=entity.name, first=seen[key].line),
                _("Merge the two descriptions or rename one of them."),
            )
        seen[key] = entity


# Rules


def _rules(section: _Section | None, path: str) -> list[Rule]:
    if section is None:
        return []
    rules: list[Rule] = []
    kind: bool | None = None  # set by an H3 'Allowed' or 'Forbidden'
    for block in section.blocks:
        if block.kind == "heading":
            kind = sections.rule_kind(block.text)
            if kind is None:
                raise CanonError(
                    path, block.line, _("The rules heading '{heading}' is neither Allowed nor Forbidden.").format(heading=block.text),
                    _("Use '### Allowed' or '### Forbidden' (or '### 允许' / '### 禁止') under Rules."),
                )
            continue
        prefixed = _RULE_PREFIX.match(block.text)
        if block.kind == "paragraph" and prefixed is None:
            continue  # prose that introduces the rules
        if prefixed is not None:
            allowed, text = sections.rule_kind(prefixed.group(1)), prefixed.group(2).strip()
        elif kind is not None:
            allowed, text = kind, block.text.strip()
        else:
            raise CanonError(
                path, block.line, _("The rule '{rule}' does not say whether it is allowed or forbidden.").format(rule=block.text),
                _("Start it with 'Allowed:' or 'Forbidden:' (or '允许：' / '禁止：'), or put it under '### Allowed' or '### Forbidden'."),
            )
        if not text:
            raise CanonError(path, block.line, _("The rule is empty."), _("Write the rule after its prefix, or delete the empty list item."))
        rules.append(Rule(text=text, allowed=bool(allowed), line=block.line, phrases=_rule_phrases(text, block.code_spans)))
    return rules


def _rule_phrases(text: str, code_spans: list[str]) -> tuple[str, ...]:
    """Return the phrases a rule is about: its code spans or quoted parts, else its whole text."""
    phrases = [span.strip() for span in code_spans if span.strip()]
    phrases += [match.strip() for match in _QUOTED.findall(text) if match.strip()]
    if not phrases:
        phrases = [text.rstrip("。.!！ ")]
    return tuple(dict.fromkeys(phrases))
