"""The rules layer: canon Markdown parsed into characters, places, rules and an opening."""

from loom_runtime.rules.errors import CanonError
from loom_runtime.rules.model import Canon, CanonWarning, Entity, Rule
from loom_runtime.rules.parser import load_canon, parse_canon
from loom_runtime.rules.starter import STARTER_CANON, STARTER_CANON_ZH, starter_canon

__all__ = [
    "Canon",
    "CanonError",
    "CanonWarning",
    "Entity",
    "Rule",
    "STARTER_CANON",
    "STARTER_CANON_ZH",
    "load_canon",
    "parse_canon",
    "starter_canon",
]
