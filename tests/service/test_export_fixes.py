"""``loom export --output``: no silent overwrite, no created folders, clear errors for folders."""

from __future__ import annotations

import json


def test_existing_file_needs_force(home, loom, tmp_path):
    target = tmp_path / "export.json"
    target.write_text("keep me")
    outcome = loom("--home", home, "export", "--output", target)
    assert outcome.code == 1
    assert outcome.err.splitlines() == [
        f"Error: The export file {target} already exists.",
        "Fix: pass --force to replace it, or choose another --output file.",
    ]
    assert target.read_text() == "keep me"


def test_force_replaces_file(home, loom, tmp_path):
    target = tmp_path / "export.json"
    target.write_text("old")
    outcome = loom("--home", home, "export", "--output", target, "--force")
    assert outcome.code == 0, outcome.err
    assert json.loads(target.read_text())["format"] == "loom-export"


def test_missing_folder_not_created(home, loom, tmp_path):
    target = tmp_path / "no" / "such" / "export.json"
    outcome = loom("--home", home, "export", "--output", target)
    assert outcome.code == 1
    assert outcome.err.splitlines() == [
        f"Error: The folder {tmp_path}/no/such of the export file does not exist.",
        "Fix: create the folder first, or pass --output in an existing folder.",
    ]
    assert not (tmp_path / "no").exists()


def test_folder_as_output(home, loom, tmp_path):
    outcome = loom("--home", home, "export", "--output", tmp_path, "--force")
    assert outcome.code == 1
    assert outcome.err.splitlines() == [
        f"Error: The export file {tmp_path} is a folder.",
        f"Fix: pass a file name for --output, for example {tmp_path}/loom-export.json.",
    ]
    assert list(tmp_path.glob("*.partial")) == []
