"""``loom run --canon FILE [--test]``: play a session in the terminal, or the scripted test session."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from loom_runtime.cli import database
from loom_runtime.cli.context import home_of
from loom_runtime.cli.errors import CliError
from loom_runtime.cli.output import stdout_console
from loom_runtime.config import config_path, load_settings
from loom_runtime.i18n import _

QUIT_WORDS = {"quit", "exit", "/quit", "退出"}


def _canon_file(canon: Path, home: Path) -> Path:
    """Find the canon relative to the current folder first, then to the home."""
    for candidate in (canon, home / canon):
        if candidate.is_file():
            return candidate.resolve()
    raise CliError(_("The canon file {path} does not exist.").format(path=canon),
                   _("pass the path of a canon Markdown file, relative to the current folder or the home."))


def run(
    ctx: typer.Context,
    canon: Path = typer.Option(..., "--canon", metavar="FILE", help=_("Canon Markdown file to play.")),
    test: bool = typer.Option(False, "--test", help=_("Play the scripted test session and exit non-zero on any broken invariant.")),
) -> None:
    home = home_of(ctx)
    canon_file = _canon_file(canon, home)
    settings = load_settings(home) if config_path(home).exists() else None
    if test:
        _run_test(canon_file, settings)
    else:
        if settings is None:
            raise CliError(_("{home} is not a LOOM home: {config} is missing.").format(home=home, config=config_path(home)),
                           _("create a home with `loom init`, or pass --test to play the scripted session without one."))
        _run_interactive(canon_file, settings)


def _run_test(canon_file: Path, settings) -> None:
    from loom_runtime.core import run_scripted_session

    # The scripted session runs on a temporary database, so it never writes to the home's.
    result = run_scripted_session(canon_file, settings.engine_settings() if settings else None)
    console = stdout_console()
    console.print(_("Played {turns} turns on {canon}; checked {count} invariants.").format(
        turns=result.turns_played, canon=canon_file, count=len(result.checked)), markup=False)
    for broken in result.broken:
        console.print(_("BROKEN {name}: {message}").format(name=broken.name, message=broken.message), markup=False)
    if result.broken:
        raise CliError(_("{count} invariants are broken.").format(count=len(result.broken)),
                       _("fix the canon or report the engine bug shown above."))
    console.print(_("All invariants hold."), markup=False)


def _run_interactive(canon_file: Path, settings) -> None:
    from loom_runtime.core import EngineError, SessionService
    from loom_runtime.interpretation import ProviderError

    engine = database.open_engine(settings)
    service = SessionService(engine, settings.engine_settings(), home=settings.home)
    console = stdout_console()
    try:
        session = service.create_session(canon_file)
        console.print(session.opening, markup=False)
        console.print(_("Type your action and press Enter; type quit or press Ctrl-D to stop."), markup=False)
        for line in sys.stdin:
            text = line.strip()
            if not text:
                continue
            if text.lower() in QUIT_WORDS:
                break
            try:
                console.print(service.play_turn(session.id, text).narration, markup=False)
            except (EngineError, ProviderError) as exc:
                # The turn was not stored, so the player can retry it or try another action.
                console.print(str(exc), markup=False)
        console.print(_("Session {id} is saved.").format(id=session.id), markup=False)
    finally:
        service.close()
        engine.dispose()


def register(app: typer.Typer) -> None:
    app.command("run", help=_("Play a session on a canon in the terminal, or the scripted test session with --test."))(run)
