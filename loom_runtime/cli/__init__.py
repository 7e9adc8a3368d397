"""The ``loom`` command: a thin Typer layer over library functions; only this package prints."""
