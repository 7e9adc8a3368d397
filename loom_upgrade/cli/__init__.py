"""The ``loom-upgrade`` command line: a thin Typer layer over library functions."""
