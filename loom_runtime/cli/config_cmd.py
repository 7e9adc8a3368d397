"""``loom config validate``."""

from __future__ import annotations

import typer

from loom_runtime._version import __version__
from loom_runtime.cli.context import home_of
from loom_runtime.cli.errors import CliError
from loom_runtime.cli.output import stdout_console
from loom_runtime.config import config_path, load_settings
from loom_runtime.i18n import _
from loom_runtime.readiness import provider_problem

config_app = typer.Typer(help=_("Check the home's config."), no_args_is_help=True)


@config_app.command("validate", help=_("Validate config/default_config.yaml and .env against this release's format, and check that the configured language model provider can be created (its API key variable is set)."))
def validate(ctx: typer.Context) -> None:
    home = home_of(ctx)
    settings = load_settings(home)  # ConfigError lists every problem with file, line and fix
    # The provider's API key lives in .env, so a key the provider cannot find is a config problem too.
    problem = provider_problem(settings)
    if problem is not None:
        raise CliError(problem)
    stdout_console().print(_("{file} is valid for LOOM {release}.").format(
        file=config_path(home), release=__version__), markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
