"""Canon section headings, in English and Chinese, old names included.

Headings are matched case-insensitively after trimming. The pre-0.10 names are the
``canon_headings`` entries of ``term_map`` in ``migrations/releases.yaml``; a test keeps
the two lists in step.
"""

from __future__ import annotations

WORLD = "world"
CHARACTERS = "characters"
PLACES = "places"
RULES = "rules"
OPENING = "opening"
NOTES = "notes"

SECTION_HEADINGS: dict[str, str] = {
    "world": WORLD,
    "世界": WORLD,
    "characters": CHARACTERS,
    "角色": CHARACTERS,
    "places": PLACES,
    "地点": PLACES,
    "rules": RULES,
    "规则": RULES,
    "opening": OPENING,
    "开场": OPENING,
    "narrator notes": NOTES,
    "叙述者笔记": NOTES,
}

# Pre-0.10 headings, still accepted, mapped to the heading that replaced them.
LEGACY_HEADINGS: dict[str, str] = {
    "Game Rules": "Rules",
    "Game Master Notes": "Narrator Notes",
    "Starting Scene": "Opening",
    "游戏规则": "规则",
    "主持人笔记": "叙述者笔记",
    "开场场景": "开场",
}

# Rule kinds: H3 headings under Rules, and list item prefixes (before a colon).
ALLOWED_WORDS = ("allowed", "允许")
FORBIDDEN_WORDS = ("forbidden", "禁止")


def section_key(heading: str) -> str | None:
    """Return the section a heading opens, or None for an unknown heading."""
    text = heading.strip()
    text = LEGACY_HEADINGS.get(text, text)
    return SECTION_HEADINGS.get(text.casefold())


def rule_kind(word: str) -> bool | None:
    """Return True for an Allowed word, False for a Forbidden word, None otherwise."""
    folded = word.strip().casefold()
    if folded in ALLOWED_WORDS:
        return True
    if folded in FORBIDDEN_WORDS:
        return False
    return None
