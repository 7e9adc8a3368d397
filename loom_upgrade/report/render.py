"""Printing Rich tables so that ids are never cut.

On a terminal Rich fits a table to the window, so id columns are created with
``id_column`` (no wrap, at least as wide as the longest id), and a table wider than the
window is printed uncropped for the terminal to wrap. Off a terminal (a pipe, a
file, a CI log) there is no window to fit: the view is rendered at its natural width and
each line loses its trailing padding.
"""

from __future__ import annotations

import io

from rich.console import Console, RenderableType
from rich.table import Table

# Wide enough that no table of loom-upgrade reaches it, so Rich never shrinks a column.
NATURAL_WIDTH = 10_000


def id_column(table: Table, header: str, values: list[str], **options: object) -> None:
    """Add a column of ids (run ids, backup ids, revisions) that Rich never cuts or wraps."""
    widest = max((len(value) for value in values), default=0)
    table.add_column(header, no_wrap=True, overflow="fold", min_width=max(widest, len(header)), **options)


def print_view(console: Console, renderable: RenderableType) -> None:
    """Print ``renderable`` on ``console``; off a terminal at its natural width, lines right-stripped."""
    if console.is_terminal:
        # A line wider than the window is wrapped by the terminal instead of cut by Rich.
        console.print(renderable, crop=False)
        return
    buffer = io.StringIO()
    plain = Console(file=buffer, width=NATURAL_WIDTH, color_system=None, highlight=False, emoji=False)
    plain.print(renderable)
    text = "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())
    console.file.write(text + "\n")
    console.file.flush()
