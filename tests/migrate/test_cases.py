"""The config and .env upgrade cases that must end in exact bytes and messages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dotenv import dotenv_values

from loom_upgrade.errors import ExitCode, MigrationError
from loom_upgrade.migrate import config as config_module
from loom_upgrade.migrate.config import Outcome, migrate_config_file
from loom_upgrade.migrate.env import migrate_env_file


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_remove_key_takes_its_own_comment(tmp_path):
    path = write(
        tmp_path,
        "config.yaml",
        b"# LOOM main settings\nlisten_port: 8080\n\n# Deprecated: removed in 3.0\nlegacy_cache: true\n\n"
        b"# Number of worker processes\nworkers: 4\n",
    )
    report = migrate_config_file(path, [{"remove_key": {"path": "legacy_cache"}}])
    assert report.changed
    assert path.read_bytes() == b"# LOOM main settings\nlisten_port: 8080\n\n# Number of worker processes\nworkers: 4\n"


def test_add_key_stays_above_next_banner(tmp_path):
    path = write(
        tmp_path,
        "config.yaml",
        b"storage:\n  db_url: sqlite:////srv/loom/loom.db # primary database\n\n# Rule engine\nrules:\n  path: /srv/loom/rules\n",
    )
    migrate_config_file(
        path,
        [
            {"add_key": {"path": "storage.pool_size", "value": 5}},
            {"rename_key": {"path": "storage.db_url", "to": "database_url"}},
        ],
    )
    assert path.read_bytes() == (
        b"storage:\n  database_url: sqlite:////srv/loom/loom.db # primary database\n  pool_size: 5\n\n"
        b"# Rule engine\nrules:\n  path: /srv/loom/rules\n"
    )


C03_INPUT = (
    b"mounts:\n  - name: rules\n    path: /srv/loom/rules\n  - name: data\n    path: /srv/loom/data\n"
    b"logging:\n  level: info\n"
)


def test_set_value_keeps_list_of_mappings_indent(tmp_path):
    path = write(tmp_path, "config.yaml", C03_INPUT)
    migrate_config_file(path, [{"set_value": {"path": "logging.level", "value": "warning"}}])
    assert path.read_bytes() == C03_INPUT.replace(b"  level: info\n", b"  level: warning\n")


def test_added_key_uses_detected_indent(tmp_path):
    path = write(tmp_path, "config.yaml", b"a:\n    b: 1\nmounts:\n  - name: rules\n    path: /srv\n")
    migrate_config_file(path, [{"set_default": {"path": "c.d", "value": "x"}}])
    assert path.read_bytes().endswith(b"c:\n    d: x\n")


def test_round_trip_failure_refuses_to_write(tmp_path, monkeypatch):
    path = write(tmp_path, "config.yaml", C03_INPUT)
    before = os.stat(path)

    # Emulate the dump bug: the second key of each list item falls back to the dash.
    def broken_set_value(state, index, args):
        text = state.text.replace("    path:", "  path:").replace("level: info", "level: warning")
        return Outcome(text=text, expected=config_module.plain_set(state.data[index], ["logging", "level"], "warning"))

    monkeypatch.setitem(config_module.HANDLERS, "set_value", broken_set_value)
    with pytest.raises(MigrationError) as caught:
        migrate_config_file(path, [{"set_value": {"path": "logging.level", "value": "warning"}}])
    assert caught.value.message == "refusing to write config.yaml: round-trip check failed"
    assert caught.value.exit_code == ExitCode.USAGE
    assert path.read_bytes() == C03_INPUT
    assert os.stat(path).st_mtime_ns == before.st_mtime_ns


C05_INPUT = b'LOOM_DB_PASSWORD=s3cr#t\nLOOM_PORT=8080 # public port\nLOOM_SALT="ab$cd"\n'


def test_env_rename_and_add_quote_only_new_line(tmp_path):
    path = write(tmp_path, ".env", C05_INPUT)
    report = migrate_env_file(
        path,
        [
            {"rename_var": {"name": "LOOM_PORT", "to": "LOOM_HTTP_PORT"}},
            {"add_var": {"name": "LOOM_TOKEN", "value": "x#1$y"}},
        ],
    )
    assert path.read_bytes() == b"LOOM_DB_PASSWORD=s3cr#t\nLOOM_HTTP_PORT=8080 # public port\nLOOM_SALT=\"ab$cd\"\nLOOM_TOKEN='x#1$y'\n"
    assert dotenv_values(path, interpolate=False) == {
        "LOOM_DB_PASSWORD": "s3cr#t",
        "LOOM_HTTP_PORT": "8080",
        "LOOM_SALT": "ab$cd",
        "LOOM_TOKEN": "x#1$y",
    }
    assert report.warnings == [
        ".env:1: the unquoted value of LOOM_DB_PASSWORD contains '#', which some Docker Compose versions "
        "read as the start of a comment; put the value in single quotes",
        ".env:3: the value of LOOM_SALT is in double quotes and contains '$', which Docker Compose and "
        "`source .env` expand; use single quotes to keep it literal",
    ]


def test_env_diff_masks_secret_values(tmp_path):
    path = write(tmp_path, ".env", C05_INPUT)
    report = migrate_env_file(path, [{"rename_var": {"name": "LOOM_PORT", "to": "LOOM_HTTP_PORT"}}], dry_run=True)
    assert "s3cr#t" not in report.diff
    assert "+LOOM_HTTP_PORT=8080 # public port" in report.diff
    assert path.read_bytes() == C05_INPUT


def test_env_bom_removed_with_notice(tmp_path):
    path = write(tmp_path, ".env", b"\xef\xbb\xbfLOOM_SECRET_KEY=change-me\nLOOM_ENV=production\n")
    report = migrate_env_file(path, [{"rename_var": {"name": "LOOM_SECRET_KEY", "to": "LOOM_SESSION_KEY"}}])
    data = path.read_bytes()
    assert data[:1] == b"L"
    assert data == b"LOOM_SESSION_KEY=change-me\nLOOM_ENV=production\n"
    assert report.notices == ["removed UTF-8 byte-order mark from .env"]


def test_env_crlf_kept_on_every_line(tmp_path):
    path = write(tmp_path, ".env", b"LOOM_SECRET_KEY=change-me\r\nLOOM_ENV=production\r\n")
    migrate_env_file(
        path,
        [
            {"rename_var": {"name": "LOOM_SECRET_KEY", "to": "LOOM_SESSION_KEY"}},
            {"add_var": {"name": "LOOM_MODE", "value": "a b", "comment": "mode"}},
        ],
    )
    data = path.read_bytes()
    assert data == b"LOOM_SESSION_KEY=change-me\r\nLOOM_ENV=production\r\n\r\n# mode\r\nLOOM_MODE='a b'\r\n"
    assert data.count(b"\n") == data.count(b"\r\n")
    assert dotenv_values(path)["LOOM_SESSION_KEY"] == "change-me"


def test_env_symlink_target_written(tmp_path):
    target = write(tmp_path, "shared.env", b"LOOM_ENV=production\n")
    os.chmod(target, 0o600)
    link = tmp_path / ".env"
    link.symlink_to(target)
    migrate_env_file(link, [{"add_var": {"name": "LOOM_MODE", "value": "advanced"}}])
    assert link.is_symlink()
    assert target.read_bytes() == b"LOOM_ENV=production\nLOOM_MODE=advanced\n"
    assert target.stat().st_mode & 0o777 == 0o600


def test_check_env_file_lists_hazards(tmp_path):
    from loom_upgrade.migrate import check_env_file

    path = write(tmp_path, ".env", b"\xef\xbb\xbf" + C05_INPUT)
    assert check_env_file(path) == [
        ".env starts with a UTF-8 byte-order mark, which hides its first variable from most readers",
        ".env:1: the unquoted value of LOOM_DB_PASSWORD contains '#', which some Docker Compose versions "
        "read as the start of a comment; put the value in single quotes",
        ".env:3: the value of LOOM_SALT is in double quotes and contains '$', which Docker Compose and "
        "`source .env` expand; use single quotes to keep it literal",
    ]
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
