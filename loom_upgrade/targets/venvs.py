"""Virtualenvs of the local target: build a new one beside the old, swap, swap back.

Virtualenvs are not relocatable: ``bin/loom`` and the activate scripts name the folder's
absolute path. The new release is installed into ``<home>/venv.new``, checked there, and
then every text file in its ``bin/`` that names ``<home>/venv.new`` is rewritten to name
``<home>/venv``, so that after the rename it runs from its final path. The old ``venv/``
is renamed into the state folder untouched, and a rollback renames it back, byte for byte.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from loom_upgrade.errors import TargetError
from loom_upgrade.i18n import _
from loom_upgrade.targets.base import ArtifactSource

log = logging.getLogger(__name__)

DISTRIBUTION = "loom-narrative"
INSTALL_TIMEOUT = 900.0


def uv_binary() -> str | None:
    """Return the ``uv`` executable when installed (the dev extra ships it), else None."""
    try:
        import uv  # type: ignore[import-not-found]

        return uv.find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def base_python(old_venv: Path) -> str:
    """The interpreter the new venv uses: the old venv's base interpreter, else ours."""
    candidate = old_venv / "bin" / "python"
    if candidate.exists():
        return os.path.realpath(candidate)
    return os.path.realpath(getattr(sys, "_base_executable", sys.executable))


def _run(argv: list[str], *, what: str, timeout: float = INSTALL_TIMEOUT) -> str:
    log.info("running %s", " ".join(argv))
    try:
        completed = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TargetError(_("{what} failed: {reason}").format(what=what, reason=exc)) from exc
    if completed.returncode != 0:
        tail = "\n".join((completed.stderr or completed.stdout).strip().splitlines()[-15:])
        raise TargetError(
            _("{what} failed with exit code {code}:").format(what=what, code=completed.returncode) + "\n" + tail
        )
    return completed.stdout


def _source_arguments(source: ArtifactSource) -> list[str]:
    arguments: list[str] = []
    if source.index_url:
        arguments += ["--index-url", source.index_url]
    else:
        arguments.append("--no-index")
    if source.wheelhouse is not None:
        arguments += ["--find-links", str(source.wheelhouse)]
    for link in source.find_links:
        arguments += ["--find-links", link]
    return arguments


def create_venv(folder: Path, python: str, version: str, source: ArtifactSource) -> None:
    """Create ``folder`` as a virtualenv holding ``loom-narrative==version``."""
    if folder.exists():
        shutil.rmtree(folder)  # a leftover of an interrupted install; never the live venv
    requirement = f"{DISTRIBUTION}=={version}"
    uv = uv_binary()
    if uv is not None:
        _run([uv, "venv", "--quiet", "--python", python, str(folder)], what=_("Creating the virtualenv"))
        _run(
            [uv, "pip", "install", "--quiet", "--python", str(folder / "bin" / "python"), *_source_arguments(source), requirement],
            what=_("Installing {requirement}").format(requirement=requirement),
        )
        return
    _run([python, "-m", "venv", str(folder)], what=_("Creating the virtualenv"))
    _run(
        [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         *_source_arguments(source), requirement],
        what=_("Installing {requirement}").format(requirement=requirement),
    )


def loom_version(venv: Path | None, *, home: Path) -> str | None:
    """Return the version ``loom --version`` prints, from ``venv`` or else from PATH."""
    executable = loom_executable(venv)
    if executable is None:
        return None
    try:
        completed = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=60, check=False, cwd=home
        )
    except OSError as exc:
        log.warning("cannot run %s --version: %s", executable, exc)
        return None
    if completed.returncode != 0:
        log.warning("%s --version exited with %s: %s", executable, completed.returncode, completed.stderr.strip())
        return None
    words = completed.stdout.strip().split()
    return words[-1] if words else None


def loom_executable(venv: Path | None) -> str | None:
    if venv is not None and (venv / "bin" / "loom").exists():
        return str(venv / "bin" / "loom")
    return shutil.which("loom")


def retarget_scripts(venv: Path, old_prefix: Path, new_prefix: Path) -> int:
    """Rewrite ``old_prefix`` to ``new_prefix`` in the text files of ``venv/bin``; return how many changed."""
    old, new = str(old_prefix).encode(), str(new_prefix).encode()
    changed = 0
    for path in (venv / "bin").iterdir():
        if path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:1024] or old not in data:
            continue  # a binary, or a script that does not name the folder
        mode = path.stat().st_mode
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data.replace(old, new))
        os.chmod(partial, mode)
        os.replace(partial, path)
        changed += 1
    config = venv / "pyvenv.cfg"
    if config.exists():
        text = config.read_bytes()
        if old in text:
            config.write_bytes(text.replace(old, new))
    return changed
