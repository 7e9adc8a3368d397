"""Build a loom-narrative wheel from the working tree, stamped with any release.

    python tools/build_wheel.py --version 1.0.1 --out DIR

Older releases exist only as this tree stamped with their version: the tree is copied to
a temporary folder, ``loom_runtime/_version.py`` is rewritten there, and ``pip wheel
--no-deps`` builds the copy. The working tree itself is never modified. Built wheels are
cached under ``.cache/wheels/<digest>/`` (keyed by the version and the content of every
copied file), so a second build of an unchanged tree is a file copy.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "wheels"
# The files of the distribution. Everything else (tests, .venv, fixtures, docs) stays out.
TREE_ITEMS = ("pyproject.toml", "setup.py", "README.md", "loom_runtime", "loom_upgrade",
              "migrations", "schemas", "playbooks")
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".pytest_cache")
VERSION_PATTERN = re.compile(r"^\d+\.\d+\.\d+$")


class BuildError(Exception):
    """The wheel could not be built; the message gives the reason."""


def _tree_files(root: Path) -> list[Path]:
    files = []
    for item in TREE_ITEMS:
        path = root / item
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(p for p in sorted(path.rglob("*"))
                         if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
                         and not any(part.endswith(".egg-info") for part in p.parts))
    return files


def tree_digest(version: str, root: Path = ROOT) -> str:
    """Return a digest of the version and of every file the wheel is built from."""
    digest = hashlib.sha256(version.encode())
    for path in _tree_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _copy_tree(root: Path, dest: Path) -> None:
    for item in TREE_ITEMS:
        source = root / item
        if source.is_dir():
            shutil.copytree(source, dest / item, ignore=SKIPPED)
        elif source.is_file():
            shutil.copy2(source, dest / item)


def _stamp(copy: Path, version: str) -> None:
    version_file = copy / "loom_runtime" / "_version.py"
    text = version_file.read_text(encoding="utf-8")
    stamped, count = re.subn(r'^__version__ = "[^"]*"$', f'__version__ = "{version}"', text, flags=re.M)
    if count != 1:
        raise BuildError(f"{version_file}: expected one __version__ line to stamp, found {count}")
    version_file.write_text(stamped, encoding="utf-8")


def build_stamped_wheel(version: str, out_dir: Path, root: Path = ROOT) -> Path:
    """Build (or reuse from the cache) the wheel of ``root`` stamped ``version``; return its path in ``out_dir``."""
    if not VERSION_PATTERN.match(version):
        raise BuildError(f"invalid version {version!r}: expected X.Y.Z, for example 1.0.1")
    out_dir.mkdir(parents=True, exist_ok=True)
    cached_dir = CACHE / tree_digest(version, root)
    cached = sorted(cached_dir.glob("loom_narrative-*.whl")) if cached_dir.is_dir() else []
    if not cached:
        cached = [_build_uncached(version, cached_dir, root)]
    target = out_dir / cached[0].name
    if target.resolve() != cached[0].resolve():
        shutil.copy2(cached[0], target)
    return target


def _build_uncached(version: str, cached_dir: Path, root: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="loom-wheel-") as temp:
        copy = Path(temp) / "tree"
        copy.mkdir()
        _copy_tree(root, copy)
        _stamp(copy, version)
        built = Path(temp) / "dist"
        # No build isolation: the running interpreter's setuptools builds it, with no index access.
        result = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
             "--wheel-dir", str(built), str(copy)],
            capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            raise BuildError(f"pip wheel failed for version {version}:\n{result.stderr[-2000:]}")
        wheels = sorted(built.glob("loom_narrative-*.whl"))
        if len(wheels) != 1:
            raise BuildError(f"pip wheel produced {len(wheels)} loom_narrative wheels, expected 1")
        cached_dir.mkdir(parents=True, exist_ok=True)
        # Move into place last, so an interrupted build never leaves a half-written cache entry.
        final = cached_dir / wheels[0].name
        partial = final.with_suffix(".partial")
        shutil.copy2(wheels[0], partial)
        partial.replace(final)
        return final


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build a loom-narrative wheel stamped with a release.")
    parser.add_argument("--version", required=True, help="release to stamp, X.Y.Z")
    parser.add_argument("--out", required=True, type=Path, help="folder the wheel is written to")
    args = parser.parse_args(argv)
    try:
        wheel = build_stamped_wheel(args.version, args.out)
    except BuildError as exc:
        print(f"build_wheel: {exc}", file=sys.stderr)
        return 1
    print(wheel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
