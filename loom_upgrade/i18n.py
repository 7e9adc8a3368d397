"""Translation of every message a user reads, through gettext.

Each area of the package keeps its own catalog (``locale/zh_CN/LC_MESSAGES/<area>.po``,
compiled to ``.mo`` by ``python tools/i18n.py compile``) so that areas can be translated
independently; at run time all compiled catalogs of the chosen language are chained into
one translation. The language comes from ``--lang`` on the command line, else ``LC_ALL``,
``LC_MESSAGES`` or ``LANG``; anything that starts with ``zh`` selects Simplified Chinese.
"""

from __future__ import annotations

import gettext
import os
import sys
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
SUPPORTED = ("en", "zh")

_translation: gettext.NullTranslations | None = None
_language: str | None = None


def detect_language(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> str:
    """Return ``"zh"`` or ``"en"`` from ``--lang`` in argv, else from the locale variables."""
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            return _normalise(argv[index + 1])
        if arg.startswith("--lang="):
            return _normalise(arg.split("=", 1)[1])
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = environ.get(name)
        if value:
            return _normalise(value)
    return "en"


def _normalise(value: str) -> str:
    return "zh" if value.lower().startswith("zh") else "en"


def _load(language: str) -> gettext.NullTranslations:
    if language != "zh":
        return gettext.NullTranslations()
    folder = LOCALE_DIR / "zh_CN" / "LC_MESSAGES"
    chained: gettext.NullTranslations = gettext.NullTranslations()
    for mo_file in sorted(folder.glob("*.mo")) if folder.is_dir() else ():
        with mo_file.open("rb") as handle:
            catalog = gettext.GNUTranslations(handle)
        catalog.add_fallback(chained)
        chained = catalog
    return chained


def set_language(language: str) -> None:
    """Switch every later message to ``language`` (``en`` or ``zh``)."""
    global _translation, _language
    _language = _normalise(language)
    _translation = _load(_language)


def current_language() -> str:
    if _language is None:
        set_language(detect_language())
    return _language  # type: ignore[return-value]


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    if _translation is None:
        set_language(detect_language())
    return _translation.gettext(message)  # type: ignore[union-attr]


def ngettext(singular: str, plural: str, count: int) -> str:
    """Translate a message whose form depends on ``count``."""
    if _translation is None:
        set_language(detect_language())
    return _translation.ngettext(singular, plural, count)  # type: ignore[union-attr]


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet (for module constants)."""
    return message
