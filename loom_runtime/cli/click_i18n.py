"""Make Typer's and click's own texts (usage line, headings, --help) use loom_runtime's catalogs.

``typer.core`` binds ``_`` to ``gettext.gettext`` at import time, which ignores ``--lang``,
so that name is rebound here. The click copy vendored by Typer has no gettext calls, so
its usage prefix and the help option's text are set by two small wrappers.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from loom_runtime.i18n import N_, _, ngettext

# Texts that typer.core looks up through its module-level ``_``. They are listed here so
# that the extractor finds them and service.po can translate them.
LIBRARY_MESSAGES = (
    N_("Options"), N_("Commands"), N_("Arguments"), N_("Aborted!"), N_("Missing command."),
    N_("No such command {name!r}."), N_("default: {default}"), N_("env var: {var}"), N_("required"),
    N_("(dynamic)"),
)


def _click(name: str) -> ModuleType:
    try:
        return importlib.import_module(f"typer._click.{name}")
    except ImportError:
        return importlib.import_module(f"click.{name}")


def translate_library_messages() -> None:
    for name in ("typer.core", "typer.rich_utils", "click.core", "click.exceptions", "click.formatting"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "_"):
            module._ = _
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext

    formatter = _click("formatting").HelpFormatter
    if not getattr(formatter.write_usage, "_loom_runtime", False):
        write_usage_before = formatter.write_usage

        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            write_usage_before(self, prog, args, prefix if prefix is not None else _("Usage:") + " ")

        write_usage._loom_runtime = True  # type: ignore[attr-defined]
        formatter.write_usage = write_usage

    command = _click("core").Command
    if not getattr(command.get_help_option, "_loom_runtime", False):
        get_help_option_before = command.get_help_option

        def get_help_option(self, ctx):  # type: ignore[no-untyped-def]
            option = get_help_option_before(self, ctx)
            if option is not None:
                option.help = _("Show this message and exit.")
            return option

        get_help_option._loom_runtime = True  # type: ignore[attr-defined]
        command.get_help_option = get_help_option
