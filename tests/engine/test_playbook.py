from __future__ import annotations

import pytest

from loom_upgrade.engine.playbook import HopGroup, default_playbook_path, load_playbook
from loom_upgrade.errors import PlaybookError

VALID_HEAD = "playbook: 1\nname: test\ntarget:\n  kind: local\nstrategy: in-place\n"


def _write(tmp_path, text: str):
    path = tmp_path / "playbook.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_playbook_is_valid():
    playbook = load_playbook(default_playbook_path())
    assert playbook.name == "local-in-place"
    groups = [item for item in playbook.steps if isinstance(item, HopGroup)]
    assert [step.kind for step in groups[0].steps][-2:] == ["db-migrate", "verify-data"]


def test_unknown_kind_names_line_and_fix(tmp_path):
    path = _write(tmp_path, VALID_HEAD + "steps:\n  - {id: stop, kind: stop}\n  - {id: oops, kind: teleport}\n")
    with pytest.raises(PlaybookError) as info:
        load_playbook(path)
    assert info.value.line == 8
    assert "steps/1/kind" in info.value.message
    assert "'teleport' is not one of" in info.value.message
    assert "playbooks/local.yaml" in info.value.fix


def test_duplicate_step_id_rejected(tmp_path):
    path = _write(tmp_path, VALID_HEAD + "steps:\n  - {id: stop, kind: stop}\n  - {id: stop, kind: start}\n")
    with pytest.raises(PlaybookError) as info:
        load_playbook(path)
    assert info.value.message == "The step id stop appears twice in the playbook."
    assert info.value.line == 8


def test_yaml_syntax_error_names_line(tmp_path):
    path = _write(tmp_path, VALID_HEAD + "steps:\n  - {id: stop, kind: stop\n")
    with pytest.raises(PlaybookError) as info:
        load_playbook(path)
    assert info.value.line is not None
    assert info.value.message.startswith("The playbook is not valid YAML")


def test_missing_playbook_file(tmp_path):
    with pytest.raises(PlaybookError) as info:
        load_playbook(tmp_path / "absent.yaml")
    assert "does not exist" in info.value.message


def test_validate_prints_one_json_line_for_jsonl():
    import json
    import subprocess
    import sys

    from loom_upgrade.engine.playbook import default_playbook_path
    from tests.e2e.conftest import ROOT

    result = subprocess.run(
        [sys.executable, "-m", "loom_upgrade", "validate", str(default_playbook_path()), "--output", "jsonl"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    assert json.loads(line)["valid"] is True
