"""list_backups, resolve_backup and prune_backups on a real state folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from loom_upgrade.backup import create_backup, list_backups, prune_backups, resolve_backup
from loom_upgrade.backup.model import OWNER_FILE
from loom_upgrade.errors import BackupError


@pytest.fixture
def three_backups(home, live_db, tmp_path):
    state = tmp_path / "state"
    infos = [
        create_backup(home, state_dir=state, db_url="sqlite:///data/loom.db", release="1.0.0", db_revision="1002")
        for _ in range(3)
    ]
    return state, infos


def test_resolve_by_id_prefix_and_path(three_backups):
    state, infos = three_backups

    assert resolve_backup(state, infos[1].id).id == infos[1].id
    assert resolve_backup(state, str(infos[2].path)).id == infos[2].id
    first = infos[0].id
    unique_prefix = next(first[:n] for n in range(1, len(first)) if sum(i.id.startswith(first[:n]) for i in infos) == 1)
    assert resolve_backup(state, unique_prefix).id == first


def test_resolve_ambiguous_prefix(three_backups):
    state, _infos = three_backups

    with pytest.raises(BackupError) as caught:
        resolve_backup(state, "2")

    assert caught.value.message == "The id prefix 2 matches 3 backups."


def test_resolve_unknown_lists_newest(three_backups):
    state, infos = three_backups

    with pytest.raises(BackupError) as caught:
        resolve_backup(state, "missing")

    newest_first = ", ".join(info.id for info in reversed(infos))
    assert caught.value.fix == (
        f"Pass a path or one of the ids that `loom-upgrade backup list` shows (newest first: {newest_first})."
    )


def test_prune_keeps_newest_even_with_zero(three_backups):
    state, infos = three_backups

    result = prune_backups(state, keep=0)

    assert [info.id for info in result.kept] == [infos[2].id]
    assert result.kept_as_newest == infos[2].id
    assert [info.id for info in list_backups(state)] == [infos[2].id]


def test_prune_dry_run_removes_nothing(three_backups):
    state, infos = three_backups

    result = prune_backups(state, keep=1, dry_run=True)

    assert [info.id for info in result.removed] == [infos[0].id, infos[1].id]
    assert len(list_backups(state)) == 3


def test_prune_spares_unfinished_run_backup(three_backups):
    state, infos = three_backups
    journal = state / "journal"
    journal.mkdir()
    (journal / "a.jsonl").write_text(json.dumps({"type": "backup", "id": infos[0].id}) + "\n")
    (journal / "b.jsonl").write_text(
        json.dumps({"type": "backup", "id": infos[1].id}) + "\n" + json.dumps({"type": "run-end", "outcome": "done"}) + "\n"
    )

    result = prune_backups(state, keep=1)

    assert [info.id for info in result.removed] == [infos[1].id]
    assert result.kept_for_runs == (infos[0].id,)
    assert result.kept_as_newest is None
    assert sorted(info.id for info in list_backups(state)) == sorted([infos[0].id, infos[2].id])


def test_prune_removes_abandoned_partial_only(three_backups):
    state, _infos = three_backups
    dead = state / "backups" / "20260101T000000Z-1.0.0-dead.partial"
    dead.mkdir()
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (dead / OWNER_FILE).write_text(finished.stdout.strip())
    live = state / "backups" / "20260101T000000Z-1.0.0-live.partial"
    live.mkdir()
    (live / OWNER_FILE).write_text(str(os.getpid()))

    result = prune_backups(state, keep=3)

    assert result.removed_partial == [dead]
    assert not dead.exists()
    assert live.exists()


def test_prune_rejects_negative_keep(tmp_path):
    with pytest.raises(BackupError) as caught:
        prune_backups(tmp_path, keep=-1)

    assert caught.value.message == "--keep must be 0 or more, not -1."
