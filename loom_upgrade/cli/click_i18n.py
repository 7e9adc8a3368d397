"""Translate the messages that Typer and its click layer print themselves.

Typer's own module ``typer.core`` looks its headings up through a module-level ``_`` bound
to ``gettext.gettext`` at import time, which would ignore ``--lang``. Rebinding that name
makes it use our catalogs. The click copy that Typer 0.29 vendors (``typer._click``) has
no gettext calls at all, so its usage prefix and the ``--help`` option's text are set
through two small wrappers instead. The Chinese texts are in ``click.po``.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType

from loom_upgrade.i18n import N_, _, ngettext


def click_module(name: str) -> ModuleType:
    """Return the click submodule Typer really uses: its vendored copy when it has one."""
    try:
        return importlib.import_module(f"typer._click.{name}")
    except ImportError:
        return importlib.import_module(f"click.{name}")


def translate_library_messages() -> None:
    """Make Typer and click print their headings, usage prefix and help text translated."""
    for name in ("typer.core", "typer.rich_utils", "click.core", "click.exceptions", "click.formatting"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "_"):
            module._ = _
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext

    formatting = click_module("formatting")
    formatter_class = formatting.HelpFormatter
    if not getattr(formatter_class.write_usage, "_loom_translated", False):
        original_write_usage = formatter_class.write_usage

        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            original_write_usage(self, prog, args, prefix if prefix is not None else _("Usage:") + " ")

        write_usage._loom_translated = True  # type: ignore[attr-defined]
        formatter_class.write_usage = write_usage

    core = click_module("core")
    command_class = core.Command
    if not getattr(command_class.get_help_option, "_loom_translated", False):
        original_get_help_option = command_class.get_help_option

        def get_help_option(self, ctx):  # type: ignore[no-untyped-def]
            option = original_get_help_option(self, ctx)
            if option is not None:
                option.help = _("Show this message and exit.")
            return option

        get_help_option._loom_translated = True  # type: ignore[attr-defined]
        command_class.get_help_option = get_help_option


# The vendored click builds these usage errors with f-strings, so they cannot be looked up
# by msgid. Each pattern maps one of them to a translatable message with the same fields.
_USAGE_PATTERNS = (
    (re.compile(r"^No such option: (?P<name>.+)$"), N_("No such option: {name}")),
    (re.compile(r"^Missing option (?P<name>.+)\.$"), N_("Missing option {name}.")),
    (re.compile(r"^Missing argument (?P<name>.+)\.$"), N_("Missing argument {name}.")),
    (re.compile(r"^Option (?P<name>'.+') requires an argument\.$"), N_("Option {name} requires an argument.")),
    (re.compile(r"^Option (?P<name>'.+') does not take a value\.$"), N_("Option {name} does not take a value.")),
    (re.compile(r"^Got unexpected extra argument\(s\) \((?P<args>.+)\)$"), N_("Got unexpected extra arguments ({args})")),
    (re.compile(r"^Invalid value for (?P<name>.+?): (?P<reason>.+)$", re.S), N_("Invalid value for {name}: {reason}")),
)


def translate_usage_message(message: str) -> str:
    """Return a usage error of the vendored click in the current language."""
    for pattern, template in _USAGE_PATTERNS:
        match = pattern.match(message)
        if match:
            return _(template).format(**match.groupdict())
    return message
