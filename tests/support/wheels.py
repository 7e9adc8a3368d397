"""Fixtures that build loom-narrative wheels and the dependency wheelhouse for tests.

``wheelhouse`` is the folder of dependency wheels (``tools/wheelhouse.py``, cached under
``.cache/wheelhouse``). ``stamped_wheel(version)`` returns a wheel of the working tree
stamped with ``version`` (``tools/build_wheel.py``, cached by tree content). Install both
offline with ``pip install --no-index --find-links WHEELHOUSE WHEEL``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.components import component_missing

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> ModuleType:
    """Import ``tools/<name>.py``, which is a script folder rather than a package."""
    spec = importlib.util.spec_from_file_location(f"loom_tools_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def wheelhouse() -> Path:
    tool = _tool("wheelhouse")
    try:
        return tool.build_wheelhouse()
    except tool.WheelhouseError as exc:
        component_missing("wheelhouse", str(exc))


@pytest.fixture(scope="session")
def stamped_wheel(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    tool = _tool("build_wheel")
    out_dir = tmp_path_factory.mktemp("wheels")
    built: dict[str, Path] = {}

    def build(version: str) -> Path:
        if version not in built:
            built[version] = tool.build_stamped_wheel(version, out_dir)
        return built[version]

    return build
