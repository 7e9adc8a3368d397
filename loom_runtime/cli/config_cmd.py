"""``loom config validate``."""

from __future__ import annotations

import typer

from loom_runtime._version import __version__
from loom_runtime.cli.context import home_of
from loom_runtime.cli.output import stdout_console
from loom_runtime.config import config_path, load_settings
from loom_runtime.i18n import _

config_app = typer.Typer(help=_("Check the home's config."), no_args_is_help=True)


@config_app.command("validate", help=_("Validate config/default_config.yaml and .env against this release's format."))
def validate(ctx: typer.Context) -> None:
    home = home_of(ctx)
    load_settings(home)  # ConfigError lists every problem with file, line and fix
    stdout_console().print(_("{file} is valid for LOOM {release}.").format(
        file=config_path(home), release=__version__), markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
