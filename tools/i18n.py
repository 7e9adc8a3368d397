"""Extract, check and compile the gettext catalogs of loom_runtime and loom_upgrade.

    python tools/i18n.py extract   # write <package>/locale/<package>.pot from the sources
    python tools/i18n.py missing   # list messages that no zh_CN catalog translates
    python tools/i18n.py compile   # compile every zh_CN .po into its .mo

Each package keeps one .po per area in ``locale/zh_CN/LC_MESSAGES/``; a message needs a
translation in any one of them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("loom_runtime", "loom_upgrade")
KEYWORDS = ["-k", "_", "-k", "N_", "-k", "ngettext:1,2"]


def source_messages(package: str) -> set[str]:
    """Return every msgid marked in the package's Python sources."""
    from babel.messages.extract import extract_from_dir

    found: set[str] = set()
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / package), method_map=[("**.py", "python")], keywords=keywords
    ):
        if isinstance(message, tuple):
            found.update(m for m in message if m)
        elif message:
            found.add(message)
    return found


def catalog_messages() -> set[str]:
    """Return the release notes of migrations/releases.yaml that loom-upgrade shows translated."""
    from ruamel.yaml import YAML

    document = YAML(typ="safe").load((ROOT / "migrations" / "releases.yaml").read_text(encoding="utf-8"))
    found: set[str] = set()
    for entry in document.get("releases", []) + document.get("revisions", []):
        if entry.get("summary"):
            found.add(entry["summary"])
    for edge in document.get("edges", []):
        for key in ("breaking_changes", "deprecations", "manual"):
            found.update(edge.get(key) or [])
    return found


def translated_messages(package: str) -> set[str]:
    """Return every msgid that has a non-empty zh_CN translation in the package's catalogs."""
    from babel.messages.pofile import read_po

    done: set[str] = set()
    folder = ROOT / package / "locale" / "zh_CN" / "LC_MESSAGES"
    for po_file in sorted(folder.glob("*.po")):
        with po_file.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if all(strings):
                done.update(ids)
    return done


def missing(package: str) -> list[str]:
    wanted = source_messages(package)
    if package == "loom_upgrade":
        wanted |= catalog_messages()
    return sorted(wanted - translated_messages(package))


def extract(package: str) -> None:
    pot = ROOT / package / "locale" / f"{package}.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", *KEYWORDS, "--no-location",
         "--sort-output", "-o", str(pot), str(ROOT / package)],
        check=True,
    )


def compile_all(package: str) -> None:
    folder = ROOT / package / "locale" / "zh_CN" / "LC_MESSAGES"
    for po_file in sorted(folder.glob("*.po")):
        subprocess.run(["msgfmt", "--check-format", "-o", str(po_file.with_suffix(".mo")), str(po_file)], check=True)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "missing"
    status = 0
    for package in PACKAGES:
        if command == "extract":
            extract(package)
        elif command == "compile":
            compile_all(package)
        elif command == "missing":
            for message in missing(package):
                print(f"{package}: {message!r}")
                status = 1
        else:
            print(__doc__)
            return 2
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
