"""Entry point of ``loom``: global options, sub-command registration and error handling.

The language is chosen before any command is declared, because Typer reads help strings
at declaration time. Each sub-command module exposes ``register(app)``.
"""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path

from loom_runtime.i18n import detect_language, set_language

set_language(detect_language())

import typer  # noqa: E402

from loom_runtime._version import __version__  # noqa: E402
from loom_runtime.cli.click_i18n import translate_library_messages  # noqa: E402
from loom_runtime.cli.context import CliState, default_home  # noqa: E402
from loom_runtime.i18n import _  # noqa: E402

translate_library_messages()

app = typer.Typer(
    name="loom",
    help=_("LOOM, a narrative interpreter: run the service and manage a LOOM home."),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

COMMAND_MODULES = (
    "loom_runtime.cli.init_cmd",
    "loom_runtime.cli.serve_cmd",
    "loom_runtime.cli.run_cmd",
    "loom_runtime.cli.db_cmd",
    "loom_runtime.cli.config_cmd",
    "loom_runtime.cli.check_cmd",
    "loom_runtime.cli.data_cmd",
    "loom_runtime.cli.token_cmd",
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"loom {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    ctx: typer.Context,
    home: Path = typer.Option(None, "--home", metavar="DIR",
                              help=_("LOOM home folder (default: LOOM_HOME, else the current folder).")),
    lang: str = typer.Option(None, "--lang", metavar="en|zh", help=_("Language of messages: en or zh (default: from LANG).")),
    verbose: bool = typer.Option(False, "--verbose", "-v", help=_("Log progress to standard error.")),
    version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                 help=_("Show the LOOM version and exit.")),
) -> None:
    if lang is not None:
        if not lang.lower().startswith(("en", "zh")):
            raise typer.BadParameter(_("'{value}' is not a supported language; use en or zh.").format(value=lang), param_hint="--lang")
        set_language(lang)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    ctx.obj = CliState(home=home if home is not None else default_home())


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def run() -> None:
    """Console-script entry point: run the app and turn known errors into one-line messages."""
    from loom_runtime.cli.failures import report_failure

    try:
        app(standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - report_failure re-raises anything it does not know
        sys.exit(report_failure(exc))
    sys.exit(0)


if __name__ == "__main__":
    run()
