"""`loom-upgrade backup create|list|verify|prune` run as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

LOOM_UPGRADE = Path(sys.executable).parent / "loom-upgrade"

pytestmark = pytest.mark.slow


def run(*args, lang="C.UTF-8"):
    env = {k: v for k, v in os.environ.items() if k not in ("LOOM_HOME", "GITHUB_STEP_SUMMARY", "LC_ALL")}
    env.update({"LANG": lang, "COLUMNS": "200", "NO_COLOR": "1"})
    return subprocess.run([str(LOOM_UPGRADE), *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def cli_home(make_home):
    return make_home("1.0.0", turns=30)


def _create(home: Path) -> dict:
    result = run("backup", "create", "--home", str(home), "--output", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["backup"]


def test_create_human_output(cli_home):
    result = run("backup", "create", "--home", str(cli_home))

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Created and verified backup ")
    assert lines[1] == f"Release 1.0.0, database revision 1002, sqlite database sqlite:///{cli_home}/data/loom.db."
    assert lines[2].startswith(f"Folder: {cli_home}/.loom-upgrade/backups/")


def test_create_json_then_list(cli_home):
    backup = _create(cli_home)

    listed = run("backup", "list", "--home", str(cli_home), "--output", "json")

    assert listed.returncode == 0, listed.stderr
    document = json.loads(listed.stdout)
    assert [item["id"] for item in document["backups"]] == [backup["id"]]
    assert document["backups"][0]["release"] == "1.0.0"
    human = run("backup", "list", "--home", str(cli_home))
    assert backup["id"] in human.stdout


def test_verify_newest_and_by_path(cli_home):
    backup = _create(cli_home)

    newest = run("backup", "verify", "--home", str(cli_home))
    by_path = run("backup", "verify", backup["path"], "--output", "json")

    assert newest.returncode == 0, newest.stderr
    assert newest.stdout.splitlines()[-1] == f"Backup {backup['id']} is verified."
    assert json.loads(by_path.stdout)["passed"] is True


def test_verify_corrupt_backup_exits_2(cli_home):
    backup = _create(cli_home)
    archive = Path(backup["path"]) / "home.tar.gz"
    data = bytearray(archive.read_bytes())
    data[10] ^= 0xFF
    archive.write_bytes(bytes(data))

    result = run("backup", "verify", backup["id"], "--home", str(cli_home))

    assert result.returncode == 2
    assert f"error: {backup['path']}: The backup {backup['id']} failed verification:" in result.stderr
    assert "sha256 home.tar.gz: sha256 does not match the manifest" in result.stderr
    assert "Traceback" not in result.stderr


def test_verify_unknown_id_in_chinese(cli_home):
    result = run("backup", "verify", "nope", "--home", str(cli_home), lang="zh_CN.UTF-8")

    assert result.returncode == 2
    assert "找不到备份 nope" in result.stderr


def test_prune_keeps_newest_and_running(cli_home):
    ids = [_create(cli_home)["id"] for _ in range(3)]
    journal = cli_home / ".loom-upgrade" / "journal"
    journal.mkdir()
    (journal / "run-1.jsonl").write_text(json.dumps({"type": "backup", "id": ids[0]}) + "\n")

    result = run("backup", "prune", "--keep", "1", "--home", str(cli_home), "--output", "json")

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [item["id"] for item in document["removed"]] == [ids[1]]
    assert sorted(item["id"] for item in document["kept"]) == sorted([ids[0], ids[2]])
    assert not (cli_home / ".loom-upgrade" / "backups" / ids[1]).exists()


def test_prune_zero_says_newest_kept(cli_home):
    ids = [_create(cli_home)["id"] for _ in range(2)]

    result = run("backup", "prune", "--keep", "0", "--home", str(cli_home))

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Removed {ids[0]} (")
    assert lines[1:] == [
        "Kept 1 backup.",
        f"Kept {ids[1]} although --keep is 0: the newest backup is always kept, so the home can still be restored.",
    ]
