import os
import subprocess
import sys

import pytest

from loom_upgrade.errors import UsageError
from loom_upgrade.home import detect_home, locate_home
from loom_upgrade.home.database import database_url


def test_detect_home_reads_markers(catalog, make_test_home):
    home = make_test_home("0.9.2", turns=7)
    state = detect_home(home, catalog, probe_venv=False)
    assert state.release == "0.9.2"
    assert state.db_revision == "0091"
    assert state.config_format == "config/0.9.2.json"
    assert state.tables["turns"].rows == 7
    assert state.inconsistencies == ()
    assert len(state.config_sha256) == 64
    assert not state.service.running


def test_detect_home_tells_patches_apart_without_meta(catalog, make_test_home):
    # 0.9.1 and 0.9.2 share revision 0091; the config format decides when loom_meta is empty.
    home = make_test_home("0.9.1", record_release=False)
    state = detect_home(home, catalog, probe_venv=False)
    assert state.release == "0.9.1"


def test_detect_home_venv_version_mismatch(catalog, make_test_home):
    home = make_test_home("0.9.3")
    loom = home / "venv" / "bin" / "loom"
    loom.parent.mkdir(parents=True)
    loom.write_text(f"#!{sys.executable}\nprint('loom 0.10.0')\n", encoding="utf-8")
    loom.chmod(0o755)
    state = detect_home(home, catalog)
    assert state.release_sources["venv"] == "0.10.0"
    assert state.release == "0.9.3"
    assert "The database was last written by 0.9.3 but venv/bin/loom is 0.10.0." in state.inconsistencies


def test_detect_home_stale_pidfile(catalog, make_test_home):
    home = make_test_home("0.9.3")
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    (home / ".loom-upgrade").mkdir()
    (home / ".loom-upgrade" / "service.pid").write_text(str(process.pid))
    assert not detect_home(home, catalog, probe_venv=False).service.running


def test_detect_home_not_a_home(catalog, tmp_path):
    with pytest.raises(UsageError) as caught:
        detect_home(tmp_path, catalog)
    assert caught.value.message == f"{tmp_path} is not a LOOM home: config/default_config.yaml is missing."
    assert caught.value.fix == "Name the home with --home DIR or the LOOM_HOME variable."


def test_database_url_sources(tmp_path):
    assert database_url(tmp_path, {"storage": {"path": "data/loom.db"}}, {}) == f"sqlite:///{tmp_path}/data/loom.db"
    assert database_url(tmp_path, {"storage": {"url": "sqlite:///data/x.db"}}, {}) == f"sqlite:///{tmp_path}/data/x.db"
    env = {"LOOM_STORAGE_URL": "postgresql+psycopg://loom@127.0.0.1:5432/loom"}
    assert database_url(tmp_path, {"storage": {"url": "sqlite:///data/x.db"}}, env) == env["LOOM_STORAGE_URL"]


def test_locate_home_without_home_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("LOOM_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert locate_home(None, required=False) is None
    with pytest.raises(UsageError):
        locate_home(None, required=True)


def test_locate_home_from_environment(make_test_home, monkeypatch):
    home = make_test_home("1.0.0")
    monkeypatch.setenv("LOOM_HOME", str(home))
    assert locate_home(None, required=False) == home.resolve()
    assert os.environ["LOOM_HOME"] == str(home)


def test_config_syntax_error_names_opening_line(catalog, make_test_home):
    home = make_test_home("0.9.3")
    config = home / "config" / "default_config.yaml"
    lines = config.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip().startswith("level:"))
    lines[index] = lines[index].split(":")[0] + ": [INFO"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(UsageError) as caught:
        detect_home(home, catalog, probe_venv=False)

    assert caught.value.line == index + 1
    assert caught.value.path == str(config)
    assert caught.value.message == (
        "The config file is not valid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence that starts on this line)."
    )
    assert caught.value.fix == "Correct the YAML syntax at that line, or restore the file from a backup."


def test_config_syntax_error_without_context(catalog, make_test_home):
    home = make_test_home("0.9.3")
    config = home / "config" / "default_config.yaml"
    config.write_text("server:\n  port: 8000\n bad: 1\n", encoding="utf-8")

    with pytest.raises(UsageError) as caught:
        detect_home(home, catalog, probe_venv=False)

    assert caught.value.line == 3
    assert caught.value.message == "The config file is not valid YAML: did not find expected key."
