"""Entry point of ``loom-upgrade``: global options, sub-command registration, error handling.

Each sub-command lives in its own module under ``loom_upgrade.cli`` and registers itself on
``app`` through ``register(app)``. The language is chosen before any help text is built,
because Typer reads help strings when the commands are declared.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys

from loom_upgrade.i18n import detect_language, set_language

set_language(detect_language())

import typer  # noqa: E402

from loom_upgrade.cli.click_i18n import translate_library_messages  # noqa: E402
from loom_upgrade.i18n import _  # noqa: E402

translate_library_messages()

app = typer.Typer(
    name="loom-upgrade",
    help=_("Plan, apply and roll back upgrades of a LOOM deployment."),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Modules that define sub-commands; each exposes register(app). A module that does not
# exist yet is skipped so that the command line works while it is being built.
COMMAND_MODULES = (
    "loom_upgrade.cli.releases_cmd",
    "loom_upgrade.cli.plan_cmd",
    "loom_upgrade.cli.preflight_cmd",
    "loom_upgrade.cli.apply_cmd",
    "loom_upgrade.cli.rollback_cmd",
    "loom_upgrade.cli.status_cmd",
    "loom_upgrade.cli.backup_cmd",
    "loom_upgrade.cli.migrate_cmd",
    "loom_upgrade.cli.validate_cmd",
)


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(app)


@app.callback()
def main_options(
    lang: str = typer.Option(
        None, "--lang", help=_("Language of messages: en or zh (default: from LANG)."), metavar="en|zh"
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help=_("Log decisions and progress to standard error.")),
) -> None:
    if lang is not None:
        set_language(lang)
    configure_logging(verbose)


class _QuietUnlessMachineOutput(logging.Filter):
    """Without ``-v``, keep log records off the terminal in human output.

    The CLI already shows the same facts in the operator's language (the ✗ line, the
    stale-lock notice); English log lines would repeat them. In json and jsonl output
    warnings still reach standard error, where CI logs keep them apart from the document.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return os.environ.get("LOOM_UPGRADE_OUTPUT") in ("json", "jsonl") and record.levelno >= logging.WARNING


def configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if not verbose:
        handler.addFilter(_QuietUnlessMachineOutput())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "loom_upgrade_cli", False)]:
        root.removeHandler(old)
    handler.loom_upgrade_cli = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)


_register_commands()


def run() -> None:
    """Console-script entry point: run the app and turn our errors into exit codes."""
    from loom_upgrade.cli.click_i18n import click_module, translate_usage_message
    from loom_upgrade.cli.output import report_error, report_usage_error
    from loom_upgrade.errors import LoomUpgradeError

    click_exceptions = click_module("exceptions")
    try:
        # Without standalone mode, click returns the code of a typer.Exit instead of raising it.
        result = app(standalone_mode=False)
    except LoomUpgradeError as exc:
        report_error(exc)
        sys.exit(int(exc.exit_code))
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        report_usage_error(_("Aborted."), None)
        sys.exit(1)
    except click_exceptions.NoArgsIsHelpError as exc:
        # A bare command prints its help, as --help would.
        print(exc.ctx.get_help())
        sys.exit(0)
    except click_exceptions.ClickException as exc:
        # Usage errors (unknown option, missing value) mean nothing changed: exit code 2.
        context = getattr(exc, "ctx", None)
        hint = None
        if context is not None:
            hint = _("Try '{command} {option}' for help.").format(command=context.command_path, option="--help")
        report_usage_error(translate_usage_message(exc.format_message()), hint)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    run()
