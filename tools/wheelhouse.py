"""Fill a wheelhouse with every dependency wheel of loom-narrative, for offline installs.

    python tools/wheelhouse.py [--dest DIR]

Docker images and the upgrade tests' virtualenvs cannot reach PyPI, so they install with
``pip install --no-index --find-links WHEELHOUSE``. This script runs ``pip wheel`` once
against PyPI for the runtime dependencies (plus the ``postgres`` extra) and caches the
result in ``.cache/wheelhouse`` (git-ignored). A marker file named after a digest of the
requirement list and the Python version makes later calls free until the list changes.
Wheels are built for the interpreter running this script, which must match the one that
installs them (Python 3.11 on Debian 12 here and in the Docker base image).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEST = ROOT / ".cache" / "wheelhouse"
EXTRAS = ("postgres",)


class WheelhouseError(Exception):
    """pip could not fill the wheelhouse; the message contains the end of pip's output."""


def requirements(root: Path = ROOT) -> list[str]:
    """Return the runtime requirements of pyproject.toml plus those of ``EXTRAS``."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = list(project["dependencies"])
    for extra in EXTRAS:
        found.extend(project["optional-dependencies"][extra])
    return sorted(set(found))


def write_requirements(path: Path, root: Path = ROOT) -> Path:
    """Write the requirement list, one per line, for ``pip install -r`` against the wheelhouse."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(requirements(root)) + "\n", encoding="utf-8")
    return path


def _marker(dest: Path, required: list[str]) -> Path:
    key = hashlib.sha256("\n".join([sys.version.split()[0], *required]).encode()).hexdigest()[:16]
    return dest / f".complete-{key}"


def build_wheelhouse(dest: Path = DEFAULT_DEST, root: Path = ROOT) -> Path:
    """Make sure ``dest`` contains a wheel of every requirement; return ``dest``."""
    required = requirements(root)
    marker = _marker(dest, required)
    if marker.exists():
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(dest), *required],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise WheelhouseError(f"pip wheel failed:\n{result.stderr[-2000:]}")
    marker.write_text("\n".join(required) + "\n", encoding="utf-8")
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fill a wheelhouse with loom-narrative's dependency wheels.")
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST, help="wheelhouse folder (default: .cache/wheelhouse)")
    parser.add_argument("--requirements", type=Path, help="also write the requirement list to this file")
    args = parser.parse_args(argv)
    try:
        print(build_wheelhouse(args.dest))
        if args.requirements is not None:
            write_requirements(args.requirements)
    except WheelhouseError as exc:
        print(f"wheelhouse: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
