"""Property tests: any value written to .env reads back the same, and nothing else moves."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loom_upgrade.errors import MigrationError
from loom_upgrade.migrate.env import format_value, migrate_env_text
from tests.support.components import component_missing

BASE = "# settings\r\nexport LOOM_ENV=production # where\r\nLOOM_PATH='${HOME}/loom'\r\n\r\nLOOM_PORT=8080\r\n"
BASE_LF = BASE.replace("\r\n", "\n")

values = st.text(
    alphabet=st.one_of(
        st.sampled_from("#'\"\\$ {}\n\t=ab-_./:中文é"),
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
    ),
    max_size=24,
)


def _values_of(text: str) -> dict[str, str | None]:
    return dict(dotenv_values(stream=io.StringIO(text), interpolate=False))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=values, base=st.sampled_from([BASE, BASE_LF]))
def test_set_var_reads_back_and_keeps_other_lines(value, base):
    new_text, _report = migrate_env_text(Path(".env"), base, [{"set_var": {"name": "LOOM_PORT", "value": value}}])
    assert _values_of(new_text)["LOOM_PORT"] == value
    old_lines = base.splitlines(keepends=True)
    new_lines = new_text.splitlines(keepends=True)
    prefix = len(old_lines) - 1
    assert new_lines[:prefix] == old_lines[:prefix]
    assert new_lines[-1].endswith("\r\n" if base is BASE else "\n") or "\n" in value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=values)
def test_add_var_appends_only_its_line(value):
    new_text, _report = migrate_env_text(Path(".env"), BASE, [{"add_var": {"name": "LOOM_NEW", "value": value}}])
    assert new_text.startswith(BASE)
    parsed = _values_of(new_text)
    assert parsed["LOOM_NEW"] == value
    assert {key: item for key, item in parsed.items() if key != "LOOM_NEW"} == _values_of(BASE)


@pytest.fixture(scope="module")
def shell() -> str:
    path = shutil.which("sh")
    if path is None:
        component_missing("sh", "no POSIX shell on PATH")
    return path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(value=values.filter(lambda text: "\x00" not in text))
def test_shell_reads_portable_values(shell, tmp_path_factory, value):
    text, portable = format_value(value)
    expected_portable = "'" not in value and "\\" not in value and "\r" not in value
    assert portable == expected_portable
    if not portable:
        return
    folder = tmp_path_factory.mktemp("env")
    (folder / "file").write_text(f"LOOM_VALUE={text}\n", encoding="utf-8")
    result = subprocess.run(
        [shell, "-c", '. ./file; printf %s "$LOOM_VALUE"'],
        cwd=folder,
        capture_output=True,
        check=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"},
    )
    assert result.stdout.decode("utf-8") == value


def test_value_with_single_quote_reported_not_portable():
    new_text, report = migrate_env_text(Path(".env"), "A=1\n", [{"add_var": {"name": "LOOM_QUOTE", "value": "it's $x"}}])
    assert new_text == 'A=1\nLOOM_QUOTE="it\'s $x"\n'
    assert report.warnings == [
        ".env: the value written for LOOM_QUOTE is read correctly by python-dotenv but not by a POSIX shell (`source .env`)"
    ]


BROKEN = 'A=1\nthis is not a var line\nB="unterminated\nC=3\n'


def test_add_var_stops_on_unparseable_line():
    with pytest.raises(MigrationError) as caught:
        migrate_env_text(Path(".env"), BROKEN, [{"add_var": {"name": "D", "value": "4"}}])
    assert caught.value.message == ".env:2: this line cannot be parsed as NAME=value, so no variable is added, renamed or set in .env"
    assert caught.value.line == 2
    assert caught.value.fix == (
        "Write it as NAME=value (quote values with spaces in single quotes) or comment it out with #, then run the command again."
    )


def test_remove_var_allowed_with_unparseable_line():
    new, report = migrate_env_text(Path(".env"), BROKEN, [{"remove_var": {"name": "A"}}])
    assert new == 'this is not a var line\nB="unterminated\nC=3\n'
    assert report.warnings[0] == (
        ".env:2: this line cannot be parsed as NAME=value (fix: Write it as NAME=value "
        "(quote values with spaces in single quotes) or comment it out with #.)"
    )


def test_env_cli_hides_dotenv_log(tmp_path):
    env = tmp_path / ".env"
    env.write_text(BROKEN)
    result = subprocess.run(
        [sys.executable, "-m", "loom_upgrade", "migrate", "env", "--from", "0.9.3", "--to", "0.10.0", str(env)],
        capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=120,
    )
    assert result.returncode == 2
    assert "dotenv.main" not in result.stderr
    assert result.stderr.startswith(f"error: {env}:2: .env:2: this line cannot be parsed as NAME=value")
    assert env.read_text() == BROKEN
