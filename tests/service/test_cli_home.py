"""``loom init``, ``db``, ``check``, ``stats`` and ``run --test`` on real homes."""

from __future__ import annotations

import sqlite3

import pytest

from loom_runtime import __version__


def test_version(loom):
    outcome = loom("--version")
    assert outcome.code == 0
    assert outcome.out.strip() == f"loom {__version__}"


def test_init_creates_home(tmp_path, loom):
    folder = tmp_path / "h"
    outcome = loom("--home", folder, "init")
    assert outcome.code == 0, outcome.err
    for relative in ("config/default_config.yaml", ".env", "canon/default.md", "data/loom.db"):
        assert (folder / relative).is_file(), relative
    assert (folder / "plugins").is_dir()
    assert "token create --user admin --role admin" in outcome.out
    with sqlite3.connect(folder / "data" / "loom.db") as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("1100",)
        assert connection.execute("SELECT value FROM loom_meta WHERE key = 'release'").fetchone() == ("1.1.0",)


def test_init_twice_is_error(home, loom):
    outcome = loom("--home", home, "init")
    assert outcome.code == 1
    assert outcome.err.splitlines()[0] == f"Error: {home} is already a LOOM home: {home}/config/default_config.yaml exists."


def test_init_force_touches_only_database(home, loom, admin_token):
    files = {name: (home / name).read_bytes() for name in ("config/default_config.yaml", ".env", "canon/default.md")}
    (home / ".env").write_text((home / ".env").read_text() + "# operator comment\n")
    files[".env"] = (home / ".env").read_bytes()

    outcome = loom("--home", home, "init", "--force", "--yes")
    assert outcome.code == 0, outcome.err
    assert "Recreated the database" in outcome.out
    for name, content in files.items():
        assert (home / name).read_bytes() == content, name
    with sqlite3.connect(home / "data" / "loom.db") as connection:
        assert connection.execute("SELECT count(*) FROM api_tokens").fetchone() == (0,)


def test_init_force_bad_config_changes_nothing(home, loom, admin_token):
    config = home / "config" / "default_config.yaml"
    config.write_text(config.read_text().replace("level: INFO", "level: LOUD"))
    database = (home / "data" / "loom.db").read_bytes()
    outcome = loom("--home", home, "init", "--force", "--yes")
    assert outcome.code == 1
    assert "logging.level: invalid value \"LOUD\"" in outcome.err
    assert "Traceback" not in outcome.err
    assert (home / "data" / "loom.db").read_bytes() == database


def test_db_current_and_check(home, loom):
    outcome = loom("--home", home, "db", "current")
    assert outcome.out.splitlines() == ["revision: 1100", "release: 1.1.0"]
    outcome = loom("--home", home, "db", "check")
    assert outcome.code == 0
    assert outcome.out.strip() == "The database at revision 1100 can be served by LOOM 1.1.0."


def test_db_upgrade_from_older_revision(home, loom):
    from loom_migrations import runner

    database = home / "data" / "loom.db"
    database.unlink()
    runner.upgrade(f"sqlite:///{database}", "1002")
    outcome = loom("--home", home, "db", "check")
    assert outcome.code == 1
    assert outcome.err.splitlines()[0] == (
        "Error: The database schema is at revision 1002, older than revision 1100 that release 1.1.0 needs.")
    outcome = loom("--home", home, "db", "upgrade")
    assert outcome.code == 0, outcome.err
    assert outcome.out.strip() == "Upgraded the database from revision 1002 to 1100 (applied: 1100)."
    assert loom("--home", home, "db", "migrate").out.strip() == "The database is already at revision 1100; nothing to do."


def test_db_unknown_revision(home, loom):
    with sqlite3.connect(home / "data" / "loom.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    before = (home / "data" / "loom.db").read_bytes()
    outcome = loom("--home", home, "db", "upgrade")
    assert outcome.code == 1
    assert outcome.err.splitlines()[0] == "Error: The database is at revision 9999, which this release does not know."
    assert (home / "data" / "loom.db").read_bytes() == before


def test_missing_database(home, loom):
    (home / "data" / "loom.db").unlink()
    outcome = loom("--home", home, "db", "current")
    assert outcome.code == 1
    assert outcome.err.splitlines()[0] == f"Error: The database file {home.resolve()}/data/loom.db does not exist."
    assert not (home / "data" / "loom.db").exists()


def test_check_compatibility(home, loom):
    outcome = loom("--home", home, "check", "--compatibility")
    assert outcome.code == 0, outcome.out + outcome.err
    assert outcome.out.splitlines()[-1] == "The home is compatible with LOOM 1.1.0."


def test_check_finds_old_plugin_manifest(home, loom):
    plugin = home / "plugins" / "dice"
    plugin.mkdir()
    (plugin / "plugin.yaml").write_text("name: dice\nversion: 0.1.0\nmodule: dice\nhooks: [on_turn]\n")
    outcome = loom("--home", home, "check", "--compatibility")
    assert outcome.code == 1
    assert (f"FAILED  plugins: {plugin}/plugin.yaml: This plugin manifest has format 0, which LOOM 1.0.0 and later no "
            "longer load. Fix: Run 'loom-upgrade' to migrate it to loom-plugin.yaml, or rewrite it by hand.") in outcome.out.splitlines()


def test_check_finds_broken_canon(home, loom):
    (home / "canon" / "default.md").write_text("---\ntitle: [unclosed\n---\n# x\n")
    outcome = loom("--home", home, "check", "--compatibility")
    assert outcome.code == 1
    assert "FAILED  canon:" in outcome.out
    assert "Traceback" not in outcome.err


def test_stats_counts_rows(home, loom, admin_token):
    outcome = loom("--home", home, "stats")
    assert outcome.code == 0
    assert "users: 1 rows" in outcome.out.splitlines()
    assert "api_tokens: 1 rows" in outcome.out.splitlines()
    detailed = loom("--home", home, "stats", "--detailed").out
    assert "revision: 1100" in detailed
    assert "idx_memory_facts_session_created" in detailed


def test_run_test_passes(home, loom):
    outcome = loom("--home", home, "run", "--canon", "canon/default.md", "--test")
    assert outcome.code == 0, outcome.out + outcome.err
    assert outcome.out.splitlines()[-1] == "All invariants hold."


def test_run_missing_canon(home, loom):
    outcome = loom("--home", home, "run", "--canon", "nowhere.md", "--test")
    assert outcome.code == 1
    assert outcome.err.splitlines()[0] == "Error: The canon file nowhere.md does not exist."


@pytest.mark.parametrize("args", [["token", "create", "--user", "a", "--role", "root"], ["check"]])
def test_usage_errors_have_no_traceback(home, loom, args):
    outcome = loom("--home", home, *args)
    assert outcome.code != 0
    assert "Traceback" not in outcome.err


def test_run_malformed_canon(home, loom):
    (home / "canon" / "broken.md").write_text("---\ntitle: [unclosed\n---\n# x\n")
    outcome = loom("--home", home, "run", "--canon", "canon/broken.md", "--test")
    assert outcome.code == 1
    assert outcome.err.startswith(f"Error: {home.resolve()}/canon/broken.md")
    assert "Traceback" not in outcome.err


def test_init_over_existing_database_writes_nothing(tmp_path, loom):
    folder = tmp_path / "h"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "loom.db").write_bytes(b"")
    outcome = loom("--home", folder, "init")
    assert outcome.code == 1
    assert outcome.err.splitlines()[0] == f"Error: The database file {folder.resolve()}/data/loom.db already exists."
    assert sorted(path.name for path in folder.rglob("*")) == ["data", "loom.db"]


def test_help_in_chinese():
    # Help texts are translated when the commands are declared, so this needs a new process.
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "loom_runtime.cli.main", "--lang", "zh", "db", "--help"],
                            capture_output=True, text=True, check=False,
                            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    assert "用法：" in result.stdout
    assert "选项" in result.stdout
    assert "查看并迁移主目录的数据库。" in result.stdout
