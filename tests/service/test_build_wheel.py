"""tools/build_wheel.py: wheels of the working tree stamped with any release."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("build_wheel_tool", ROOT / "tools" / "build_wheel.py")
build_wheel = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_wheel)


@pytest.mark.slow
def test_stamped_wheel_carries_version(stamped_wheel):
    wheel = stamped_wheel("1.0.1")
    assert wheel.name == "loom_narrative-1.0.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        version_file = archive.read("loom_runtime/_version.py").decode()
    assert '__version__ = "1.0.1"' in version_file
    for needed in ("loom_schemas/config/1.1.0.json", "loom_migrations/releases.yaml",
                   "loom_runtime/locale/zh_CN/LC_MESSAGES/service.mo", "loom_runtime/cli/main.py"):
        assert needed in names, needed
    assert not any(name.startswith("tests/") for name in names)


@pytest.mark.slow
def test_working_tree_untouched(stamped_wheel):
    before = (ROOT / "loom_runtime" / "_version.py").read_text()
    stamped_wheel("0.9.3")
    assert (ROOT / "loom_runtime" / "_version.py").read_text() == before


def test_invalid_version_rejected(tmp_path):
    with pytest.raises(build_wheel.BuildError) as caught:
        build_wheel.build_stamped_wheel("1.0", tmp_path)
    assert str(caught.value) == "invalid version '1.0': expected X.Y.Z, for example 1.0.1"
