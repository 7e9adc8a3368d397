import http.server
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading

import pytest
from packaging.requirements import Requirement

from loom_upgrade.errors import PreflightError, UsageError
from loom_upgrade.home import detect_home
from loom_upgrade.planner import plan_upgrade
from loom_upgrade.preflight import CHECK_NAMES, raise_for_failures, run_preflight
from tests.planning.fixture_home import TEMPLATES
from tests.planning.mounts import read_only, small_tmpfs


def _preflight(catalog, home, to="1.1", **kwargs):
    state = detect_home(home, catalog, probe_venv=False)
    plan = plan_upgrade(catalog, from_spec=None, to_spec=to, home=state)
    return run_preflight(state, plan, catalog=catalog, **kwargs)


def _result(report, name):
    return next(check for check in report.checks if check.name == name)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _write_service(home, pid, port):
    state = home / ".loom-upgrade"
    state.mkdir(exist_ok=True)
    (state / "service.pid").write_text(f"{pid}\n")
    (state / "service.json").write_text(json.dumps({"host": "127.0.0.1", "port": port}))


def test_preflight_passes_on_healthy_home(catalog, make_test_home):
    report = _preflight(catalog, make_test_home("0.9.3"))
    assert [check.name for check in report.checks] == list(CHECK_NAMES)
    assert report.failed == []
    assert report.passed
    assert _result(report, "path-validation").measured == "4 hop(s)"


def test_disk_space_fails_on_small_tmpfs(catalog, make_test_home, tmp_path):
    home = make_test_home("0.9.3")
    with small_tmpfs(tmp_path / "backups", "4m") as folder:
        report = _preflight(catalog, home, backup_dir=folder)
        check = _result(report, "disk-space")
    assert not check.passed
    assert check.measured.endswith(f"free in {folder}")
    assert check.detail == "needs 16.0 MiB (estimated backup plus headroom)"
    assert check.fix.startswith("Free at least ")
    assert report.failed == ["disk-space"]


def test_memory_fails_below_requirement(catalog, make_test_home):
    import psutil

    above_available = psutil.virtual_memory().available * 4
    report = _preflight(catalog, make_test_home("0.9.3"), limits={"min_memory_bytes": above_available})
    check = _result(report, "memory")
    assert not check.passed
    assert check.measured.endswith("available")


def test_python_version_fails_below_minimum(catalog, make_test_home):
    report = _preflight(catalog, make_test_home("0.9.3"), limits={"min_python": (sys.version_info.major + 1, 0)})
    check = _result(report, "python-version")
    assert not check.passed
    assert check.measured == ".".join(map(str, sys.version_info[:3]))


def test_dependencies_fail_on_unsatisfied_version(catalog, make_test_home):
    requirements = [Requirement("packaging>=999"), Requirement("no-such-package-loom>=1")]
    report = _preflight(catalog, make_test_home("0.9.3"), limits={"requirements": requirements})
    check = _result(report, "dependencies")
    assert not check.passed
    assert check.measured == "0 of 2 satisfied"
    assert "packaging" in check.detail
    assert "does not satisfy >=999" in check.detail
    assert "no-such-package-loom is not installed" in check.detail


def test_db_integrity_fails_on_corrupt_file(catalog, make_test_home):
    home = make_test_home("0.9.3", turns=2000)
    database = home / "data" / "loom.db"
    with database.open("r+b") as handle:
        handle.seek(4096 * 10 + 100)
        handle.write(b"\xff" * 600)
    before = database.read_bytes()
    report = _preflight(catalog, home)
    check = _result(report, "db-integrity")
    assert not check.passed
    assert "malformed" in check.detail or "invalid page number" in check.detail
    assert check.fix == "Restore the database from the last verified backup with loom-upgrade rollback --backup ID."
    assert database.read_bytes() == before


def test_stale_batch_table_fails_and_names_revision(catalog, make_test_home):
    home = make_test_home("0.9.3")
    database = home / "data" / "loom.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE _alembic_tmp_turns (id INTEGER PRIMARY KEY, body TEXT)")
    connection.close()
    before = database.read_bytes()
    report = _preflight(catalog, home)
    check = _result(report, "stale-batch-tables")
    assert not check.passed
    assert check.detail == (
        "Leftover table(s) _alembic_tmp_turns from an interrupted migration; the database is at revision 0093."
    )
    assert check.fix == (
        "Either restore the last backup with loom-upgrade rollback --backup ID, or check that turns "
        "hold every row and rerun with --drop-stale-batch-tables."
    )
    assert database.read_bytes() == before
    accepted = _preflight(catalog, home, drop_stale_batch_tables=True)
    assert _result(accepted, "stale-batch-tables").passed


def test_release_consistency_fails_on_revision_mismatch(catalog, make_test_home):
    home = make_test_home("0.9.3")
    with sqlite3.connect(home / "data" / "loom.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0091'")
    connection.close()
    check = _result(_preflight(catalog, home), "release-consistency")
    assert not check.passed
    assert check.measured == "release 0.9.3, DB revision 0091"
    assert check.detail == "Release 0.9.3 serves database revision 0093, but the database is at 0091."


def test_release_consistency_fails_on_invalid_config(catalog, make_test_home):
    home = make_test_home("0.9.3")
    config = home / "config" / "default_config.yaml"
    config.write_text(config.read_text().replace("engine:", "interpreter:"), encoding="utf-8")
    check = _result(_preflight(catalog, home), "release-consistency")
    assert not check.passed
    assert check.detail == (
        "The config does not validate against config/0.9.2.json of release 0.9.3: "
        "(top level): 'engine' is a required property."
    )


def test_release_consistency_fails_on_other_format(catalog, make_test_home):
    home = make_test_home("0.9.3")
    newer = TEMPLATES / "0.10.0" / "config" / "default_config.yaml"
    (home / "config" / "default_config.yaml").write_bytes(newer.read_bytes())
    check = _result(_preflight(catalog, home), "release-consistency")
    assert not check.passed
    assert check.detail == (
        "The config has the format of config/0.10.0.json, but release 0.9.3 uses config/0.9.2.json."
    )


def test_service_health_fails_on_dead_service(catalog, make_test_home):
    home = make_test_home("0.9.3")
    # A live process that does not serve HTTP: the service hangs or crashed its listener.
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _write_service(home, process.pid, _free_port())
        check = _result(_preflight(catalog, home), "service-health")
    finally:
        process.kill()
        process.wait()
    assert not check.passed
    assert check.measured == "no answer"
    assert check.detail.endswith("/health did not answer: ConnectError.")
    assert str(process.pid) in check.fix


def test_service_health_passes_when_health_answers(catalog, make_test_home):
    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server dispatches to
            self.send_response(200 if self.path == "/health" else 404)
            self.end_headers()
            self.wfile.write(b'{"status": "ok"}')

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        home = make_test_home("0.9.3")
        _write_service(home, os.getpid(), server.server_address[1])
        check = _result(_preflight(catalog, home), "service-health")
    finally:
        server.shutdown()
        server.server_close()
    assert check.passed
    assert check.measured == "HTTP 200"


def test_permissions_fail_on_read_only_home(catalog, make_test_home):
    home = make_test_home("0.9.3")
    (home / ".loom-upgrade").mkdir()
    with read_only(home):
        check = _result(_preflight(catalog, home), "permissions")
    assert not check.passed
    assert check.measured == "11 of 11 not writable"
    assert check.detail == f"Not writable: {home}, config, config/default_config.yaml, .env, canon and 6 more."


def test_path_validation_fails_on_broken_hop(catalog, make_test_home):
    home = make_test_home("0.9.3")
    config = home / "config" / "default_config.yaml"
    # 0.9.3 -> 0.10.0 renames engine to interpreter; an existing interpreter section blocks it.
    config.write_text(config.read_text() + "interpreter:\n  mode: basic\n", encoding="utf-8")
    before = config.read_bytes()
    report = _preflight(catalog, home, to="0.10", overrides={"release-consistency"})
    check = _result(report, "path-validation")
    assert not check.passed
    assert check.detail == (
        "A file migration would fail: hop 1 (0.9.3 -> 0.10.0): default_config.yaml: both engine and "
        "interpreter are set, so engine cannot take the new name."
    )
    assert config.read_bytes() == before


def test_override_needs_check_name(catalog, make_test_home):
    home = make_test_home("0.9.3")
    with pytest.raises(UsageError) as caught:
        _preflight(catalog, home, overrides={"disk"})
    assert caught.value.message == "--skip-check disk names no preflight check."


def test_override_accepts_named_failure(catalog, make_test_home):
    home = make_test_home("0.9.3")
    with sqlite3.connect(home / "data" / "loom.db") as connection:
        connection.execute("CREATE TABLE _alembic_tmp_turns (id INTEGER PRIMARY KEY)")
    connection.close()
    failing = _preflight(catalog, home)
    with pytest.raises(PreflightError) as caught:
        raise_for_failures(failing)
    assert caught.value.message == (
        "Preflight failed: stale-batch-tables.\n"
        "stale-batch-tables: Leftover table(s) _alembic_tmp_turns from an interrupted migration; the database is at revision 0093."
    )
    assert caught.value.exit_code == 3
    overridden = _preflight(catalog, home, overrides={"stale-batch-tables"})
    assert overridden.passed
    assert overridden.overridden == ["stale-batch-tables"]


def test_path_validation_fails_without_wheel(catalog, make_test_home, tmp_path):
    from loom_upgrade.targets.base import ArtifactSource

    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir()
    (wheelhouse / "loom_narrative-1.0.1-py3-none-any.whl").write_bytes(b"")
    report = _preflight(catalog, make_test_home("1.0.0"), artifact_source=ArtifactSource(wheelhouse=wheelhouse))
    check = _result(report, "path-validation")
    assert not check.passed
    assert check.detail == (
        f"The new release cannot be installed: no wheel matching loom_narrative-1.1.0-*.whl in {wheelhouse}."
    )
    with pytest.raises(PreflightError) as caught:
        raise_for_failures(report)
    assert caught.value.message == (
        "Preflight failed: path-validation.\n"
        f"path-validation: The new release cannot be installed: no wheel matching loom_narrative-1.1.0-*.whl in {wheelhouse}."
    )
    assert caught.value.fix == "Check --wheelhouse, --find-links or --index-url, then rerun preflight."


def test_path_validation_fails_on_dead_index(catalog, make_test_home):
    from loom_upgrade.targets.base import ArtifactSource

    index = f"http://127.0.0.1:{_free_port()}/simple/"
    report = _preflight(catalog, make_test_home("1.0.0"), artifact_source=ArtifactSource(index_url=index))
    check = _result(report, "path-validation")
    assert not check.passed
    assert check.detail == (
        f"The new release cannot be installed: the package index {index} is not reachable: ConnectError."
    )


def test_plugin_ports_passes_for_bundled_plugin(catalog, make_test_home):
    report = _preflight(catalog, make_test_home("0.10.0"))
    check = _result(report, "plugin-ports")
    assert check.passed
    assert check.measured == "0 plugins to port"


def test_plugin_ports_fails_on_custom_plugin(catalog, make_test_home):
    home = make_test_home("0.10.0")
    custom = home / "plugins" / "weather"
    custom.mkdir()
    (custom / "plugin.yaml").write_text("name: weather\nversion: 1.2.0\nmodule: weather.hooks\nhooks: [on_turn]\n")

    report = _preflight(catalog, home)
    check = _result(report, "plugin-ports")

    assert not check.passed
    assert check.measured == "1 plugin(s) to port"
    assert check.detail == (
        "plugin weather: entry point weather.hooks:Plugin must be a class implementing "
        "loom_runtime.plugins.LoomPlugin; its author must turn the hook functions of weather.hooks into that class"
    )
    assert "--skip-check plugin-ports" in check.fix
    assert not (custom / "loom-plugin.yaml").exists()


def test_env_file_fails_on_unparseable_line(catalog, make_test_home, caplog):
    home = make_test_home("0.9.3")
    env = home / ".env"
    lines = env.read_text(encoding="utf-8").splitlines()
    env.write_text("\n".join(lines) + "\nthis line is broken\n", encoding="utf-8")
    broken_line = len(lines) + 1

    with caplog.at_level("WARNING"):
        report = _preflight(catalog, home)
    check = _result(report, "env-file")

    assert not check.passed
    assert check.measured == "1 unparseable line(s)"
    assert check.detail == f".env:{broken_line}: this line cannot be parsed as NAME=value. LOOM does not start until the line is fixed."
    assert check.fix == "Write it as NAME=value (quote values with spaces in single quotes) or comment it out with #."
    assert "env-file" in report.failed
    assert [record.message for record in caplog.records if record.name.startswith("dotenv")] == []


def test_env_file_passes_on_valid_env(catalog, make_test_home):
    check = _result(_preflight(catalog, make_test_home("0.9.3")), "env-file")
    assert check.passed
    assert check.measured == "ok"


def test_service_port_fails_when_port_taken(catalog, make_test_home):
    import psutil

    home = make_test_home("0.9.3")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        check = _result(_preflight(catalog, home, port=port), "service-port")
    name = psutil.Process().name()
    assert not check.passed
    assert check.measured == f"127.0.0.1:{port} in use"
    assert check.detail == (
        f"Port {port} is already in use by PID {os.getpid()} ({name}), so the new service could not listen on it."
    )
    assert check.fix == (
        f"Stop the process that holds port {port}, or choose a free port with --port or server.port in the config."
    )


def test_service_port_reads_config_port(catalog, make_test_home):
    home = make_test_home("0.9.3")
    config = home / "config" / "default_config.yaml"
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        text = config.read_text(encoding="utf-8")
        config.write_text(re.sub(r"port: \d+", f"port: {port}", text, count=1), encoding="utf-8")
        failing = _result(_preflight(catalog, home), "service-port")
    passing = _result(_preflight(catalog, home), "service-port")
    assert not failing.passed
    assert failing.measured == f"127.0.0.1:{port} in use"
    assert passing.passed
    assert passing.detail == "the port is free"
