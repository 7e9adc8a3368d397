"""LOOM: a narrative interpreter that turns player turns into narration consistent with a canon."""

from loom_runtime._version import __version__

__all__ = ["__version__"]
