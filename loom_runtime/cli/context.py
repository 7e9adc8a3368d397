"""The state every sub-command reads: the home folder and its validated settings."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import typer

from loom_runtime.config import Settings, load_settings


@dataclass
class CliState:
    home: Path


def default_home() -> Path:
    """Return ``LOOM_HOME`` when set, else the current folder."""
    return Path(os.environ.get("LOOM_HOME") or ".")


def home_of(ctx: typer.Context) -> Path:
    state = ctx.find_object(CliState)
    return state.home if state is not None else default_home()


def settings_of(ctx: typer.Context) -> Settings:
    """Load the home's settings; ``ConfigError`` reaches ``run()``, which prints it."""
    return load_settings(home_of(ctx))
