"""Generated tests: every key or variable of the real configuration files, under every operation.

Each YAML key is renamed, gets a new sibling and is removed. Each .env variable is
renamed, removed and set, and a new variable is added. Every test checks with a line
diff that only the lines the operation owns changed, that the result parses to the
intended data, and that the comments of other keys stay above them.
"""

from __future__ import annotations

import io
import os
import shutil

import pytest
from dotenv import dotenv_values
from dotenv.parser import parse_stream

from loom_upgrade.errors import MigrationError
from loom_upgrade.migrate.canon import migrate_canon
from loom_upgrade.migrate.config import (
    _parse_cached,
    migrate_config_file,
    migrate_config_text,
    plain_delete,
    plain_rename,
    plain_set,
)
from loom_upgrade.migrate.env import migrate_env_file, migrate_env_text
from loom_upgrade.migrate.paths import format_path
from loom_upgrade.migrate.yaml_text import compose_documents
from tests.migrate.realinputs import (
    ENV_FILES,
    MARKDOWN_FILES,
    REAL_INPUTS,
    YAML_FILES,
    key_paths,
    key_paths_of,
    line_opcodes,
    parse_original,
    read,
)
from tests.support.components import component_missing

ADDED_KEY = "loom_added"
ADDED_VALUE = "x y"


def _require_inputs() -> None:
    if not REAL_INPUTS.is_dir():
        component_missing("real-inputs", f"{REAL_INPUTS} is absent")


def _yaml_cases() -> list:
    if not REAL_INPUTS.is_dir():
        return [pytest.param(None, None, None, None, id="real-inputs-missing")]
    cases = []
    for name in YAML_FILES:
        text = read(name)
        several = len(compose_documents(text)) > 1
        for doc, path, _key, _value in key_paths(text):
            key = format_path(path)
            for operation in ("rename", "add", "remove"):
                cases.append(pytest.param(name, doc if several else None, path, operation, id=f"{name}:{doc}:{key}:{operation}"))
    return cases


def _env_cases() -> list:
    if not REAL_INPUTS.is_dir():
        return [pytest.param(None, None, None, id="real-inputs-missing")]
    cases = []
    for name in ENV_FILES:
        for binding in parse_stream(io.StringIO(read(name))):
            if binding.key:
                for operation in ("rename", "remove", "set"):
                    cases.append(pytest.param(name, binding.key, operation, id=f"{name}:{binding.key}:{operation}"))
        cases.append(pytest.param(name, "LOOM_ADDED", "add", id=f"{name}:LOOM_ADDED:add"))
    return cases


# --- YAML -----------------------------------------------------------------------------------


def _operation(path, operation, doc):
    key = format_path(path)
    if operation == "rename":
        args = {"path": key, "to": f"{path[-1]}_renamed"}
        name = "rename_key"
    elif operation == "remove":
        args = {"path": key}
        name = "remove_key"
    else:
        args = {"path": format_path(path[:-1] + [ADDED_KEY]), "value": ADDED_VALUE}
        name = "add_key"
    if doc is not None:
        args["doc"] = doc
    return {name: args}


def _comment_above(lines: list[str], line: int, column: int) -> str | None:
    """Return the comment line directly above ``line`` when it sits at ``column`` or less."""
    if line == 0:
        return None
    above = lines[line - 1]
    stripped = above.lstrip(" ")
    if stripped.startswith("#") and len(above) - len(stripped) <= column:
        return above
    return None


def _key_lines(paths) -> dict[tuple[int, str], tuple[int, int]]:
    return {(doc, format_path(path)): (key.start_mark.line, key.start_mark.column) for doc, path, key, _ in paths}


@pytest.mark.parametrize(("name", "doc", "path", "operation"), _yaml_cases())
def test_yaml_key_operation(name, doc, path, operation):
    _require_inputs()
    text = read(name)
    old_lines = text.splitlines(keepends=True)
    target = format_path(path)
    try:
        new_text, report = migrate_config_text(REAL_INPUTS / name, text, [_operation(path, operation, doc)])
    except MigrationError as exc:
        # The one refusal allowed: removing an anchor that aliases elsewhere still use.
        assert operation == "remove"
        assert "defines an anchor that an alias elsewhere in the file refers to" in exc.message
        return
    assert report.counts == {"applied": 1}
    new_lines = new_text.splitlines(keepends=True)
    opcodes = line_opcodes(text, new_text)
    index = doc or 0
    old_documents, old_data = parse_original(text)
    # The engine parsed this text for its own round-trip check; its cache serves it again.
    new_documents, new_data = _parse_cached(new_text.lstrip("\ufeff"))
    expected = list(old_data)
    old_keys = _key_lines(key_paths(text))
    key_line, key_column = old_keys[(index, target)]

    if operation == "rename":
        expected[index] = plain_rename(old_data[index], path, f"{path[-1]}_renamed")
        assert len(opcodes) == 1
        tag, a0, a1, b0, b1 = opcodes[0]
        assert (tag, a0, a1 - a0, b1 - b0) == ("replace", key_line, 1, 1)
        assert new_lines[key_line].replace(f"{path[-1]}_renamed", str(path[-1]), 1) == old_lines[key_line]
    elif operation == "add":
        expected[index] = plain_set(old_data[index], path[:-1] + [ADDED_KEY], ADDED_VALUE)
        assert len(opcodes) == 1
        tag, a0, a1, b0, b1 = opcodes[0]
        if tag == "insert":
            assert b1 - b0 == 1
            added = new_lines[b0]
            newline = "\r\n" if old_lines[0].endswith("\r\n") else "\n"
            assert added == " " * key_column + f"{ADDED_KEY}: '{ADDED_VALUE}'" + newline
            assert new_lines[b0 - 1].strip(), "the new key must follow its last sibling, not a blank line"
        else:
            # A flow mapping {...} is edited inside its braces.
            assert (tag, a1 - a0, b1 - b0) == ("replace", 1, 1)
            assert f", {ADDED_KEY}: '{ADDED_VALUE}'" in new_lines[b0] or f"{{{ADDED_KEY}: '{ADDED_VALUE}'" in new_lines[b0]
    else:
        expected[index] = plain_delete(old_data[index], path)
        assert len(opcodes) == 1
        tag, a0, a1, b0, b1 = opcodes[0]
        if tag == "delete":
            assert a0 <= key_line < a1
            for line in old_lines[a0:a1]:
                body = line.strip()
                indent = len(line) - len(line.lstrip(" "))
                assert not body or body.startswith("#") or indent >= key_column, f"removed a line of another key: {line!r}"
        else:
            # The first key of a `- key: value` item: the next key moves up onto the dash line.
            assert tag == "replace"
            assert a0 <= key_line < a1
        _assert_other_comments_kept(text, new_text, new_documents, index, target)
    assert new_data == expected


def _assert_other_comments_kept(old_text: str, new_text: str, new_documents, index: int, removed: str) -> None:
    old_lines = old_text.splitlines(keepends=True)
    new_lines = new_text.splitlines(keepends=True)
    new_keys = _key_lines(key_paths_of(new_documents))
    for (doc, key), (line, column) in _key_lines(key_paths(old_text)).items():
        if doc != index or key == removed or key.startswith((removed + ".", removed + "[")):
            continue
        comment = _comment_above(old_lines, line, column)
        if comment is None or (doc, key) not in new_keys:
            continue
        new_line, _ = new_keys[(doc, key)]
        assert new_lines[new_line - 1] == comment, f"the comment above {key} moved"


@pytest.mark.parametrize("name", YAML_FILES)
def test_yaml_untouched_file_not_rewritten(tmp_path, name):
    _require_inputs()
    copy = tmp_path / name
    shutil.copy2(REAL_INPUTS / name, copy)
    os.chmod(copy, 0o644)
    before = os.stat(copy)
    several = len(compose_documents(read(name))) > 1
    args = {"path": "no_such_key_anywhere", "to": "other"}
    if several:
        args["doc"] = 0
    report = migrate_config_file(copy, [{"rename_key": args}])
    assert not report.changed
    assert copy.read_bytes() == (REAL_INPUTS / name).read_bytes()
    assert os.stat(copy).st_mtime_ns == before.st_mtime_ns


# --- .env -----------------------------------------------------------------------------------


ENV_VALUE = "new value #1 $HOME ${X} 中文"


def _env_line_of(text: str, name: str) -> int:
    for binding in parse_stream(io.StringIO(text)):
        if binding.key == name:
            lead = len(binding.original.string) - len(binding.original.string.lstrip("\r\n"))
            return binding.original.line - 1 + binding.original.string[:lead].count("\n")
    raise AssertionError(f"{name} not found")


def _first_unparseable_line(text: str) -> int | None:
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            lead = len(binding.original.string) - len(binding.original.string.lstrip("\r\n"))
            return binding.original.line + binding.original.string[:lead].count("\n")
    return None


@pytest.mark.parametrize(("name", "variable", "operation"), _env_cases())
def test_env_variable_operation(name, variable, operation):
    _require_inputs()
    text = read(name)
    before = dict(dotenv_values(stream=io.StringIO(text), interpolate=False))
    if operation == "rename":
        operations = [{"rename_var": {"name": variable, "to": variable + "_RENAMED"}}]
    elif operation == "remove":
        operations = [{"remove_var": {"name": variable}}]
    elif operation == "set":
        operations = [{"set_var": {"name": variable, "value": ENV_VALUE}}]
    else:
        operations = [{"add_var": {"name": variable, "value": ENV_VALUE, "comment": "added by the test"}}]
    broken = _first_unparseable_line(text)
    if broken is not None and operation != "remove":
        with pytest.raises(MigrationError) as caught:
            migrate_env_text(REAL_INPUTS / name, text, operations)
        assert caught.value.message == (
            f"{name}:{broken}: this line cannot be parsed as NAME=value, so no variable is added, renamed or set in {name}"
        )
        return
    new_text, report = migrate_env_text(REAL_INPUTS / name, text, operations)
    counted = {"rename": "variables_renamed", "remove": "variables_removed", "set": "values_changed"}.get(operation, "variables_added")
    assert report.counts == {counted: 1}
    after = dict(dotenv_values(stream=io.StringIO(new_text), interpolate=False))
    old_lines = text.splitlines(keepends=True)
    new_lines = new_text.splitlines(keepends=True)
    opcodes = line_opcodes(text, new_text)
    assert len(opcodes) == 1

    expected = dict(before)
    tag, a0, a1, b0, b1 = opcodes[0]
    if operation == "rename":
        expected[variable + "_RENAMED"] = expected.pop(variable)
        line = _env_line_of(text, variable)
        assert (tag, a0, a1, b1 - b0) == ("replace", line, line + 1, 1)
        assert new_lines[line].replace(variable + "_RENAMED", variable, 1) == old_lines[line]
    elif operation == "remove":
        del expected[variable]
        line = _env_line_of(text, variable)
        assert tag == "delete"
        assert a0 <= line < a1
        for removed in old_lines[a0:a1]:
            assert removed == old_lines[line] or not removed.strip() or removed.lstrip().startswith("#")
        _assert_env_comments_kept(text, new_text, variable)
    elif operation == "set":
        expected[variable] = ENV_VALUE
        line = _env_line_of(text, variable)
        assert (tag, a0, a1, b1 - b0) == ("replace", line, line + 1, 1)
        assert new_lines[line].startswith(old_lines[line].split("=", 1)[0] + "=")
    else:
        expected[variable] = ENV_VALUE
        assert tag == "insert"
        assert a0 == len(old_lines)
        assert new_lines[-1] == f"{variable}='{ENV_VALUE}'\n"
    assert after == expected


def _assert_env_comments_kept(old_text: str, new_text: str, removed: str) -> None:
    old_lines = old_text.splitlines(keepends=True)
    new_lines = new_text.splitlines(keepends=True)
    for binding in parse_stream(io.StringIO(old_text)):
        if not binding.key or binding.key == removed:
            continue
        line = _env_line_of(old_text, binding.key)
        if line and old_lines[line - 1].lstrip().startswith("#"):
            new_line = _env_line_of(new_text, binding.key)
            assert new_lines[new_line - 1] == old_lines[line - 1], f"the comment above {binding.key} moved"


def test_env_unparseable_line_reported_and_kept():
    _require_inputs()
    text = read("bumoyu-nest.env.prod")
    new_text, report = migrate_env_text(REAL_INPUTS / "bumoyu-nest.env.prod", text, [{"remove_var": {"name": "MAIL_PORT"}}])
    assert 'MAIL_FROM="' in new_text
    assert any(warning.startswith("bumoyu-nest.env.prod:26: this line cannot be parsed") for warning in report.warnings)
    with pytest.raises(MigrationError) as caught:
        migrate_env_text(REAL_INPUTS / "bumoyu-nest.env.prod", text, [{"rename_var": {"name": "MAIL_FROM", "to": "MAIL_SENDER"}}])
    assert caught.value.message == (
        "bumoyu-nest.env.prod:26: this line cannot be parsed as NAME=value, so no variable is added, renamed or set in bumoyu-nest.env.prod"
    )
    assert caught.value.line == 26


@pytest.mark.parametrize("name", ENV_FILES)
def test_env_untouched_file_not_rewritten(tmp_path, name):
    _require_inputs()
    copy = tmp_path / ".env"
    shutil.copy2(REAL_INPUTS / name, copy)
    os.chmod(copy, 0o600)
    before = os.stat(copy)
    report = migrate_env_file(copy, [{"remove_var": {"name": "NO_SUCH_VARIABLE"}}])
    assert not report.changed
    assert copy.read_bytes() == (REAL_INPUTS / name).read_bytes()
    assert os.stat(copy).st_mtime_ns == before.st_mtime_ns


# --- Markdown -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", MARKDOWN_FILES)
def test_canon_rewrite_changes_only_matched_text(tmp_path, name):
    _require_inputs()
    canon = tmp_path / "canon"
    canon.mkdir()
    copy = canon / name
    shutil.copy2(REAL_INPUTS / name, copy)
    text = read(name)
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings, "the file has headings to rewrite"
    word = headings[0].lstrip("#").strip().split()[0]
    report = migrate_canon(canon, [{"pattern": "^(#{1,6})\\s+" + word, "replacement": "\\1 LOOM"}])
    new_text = copy.read_bytes().decode("utf-8")
    assert report.files[0].counts["replacements"] >= 1
    for tag, a0, a1, b0, b1 in line_opcodes(text, new_text):
        assert tag == "replace"
        assert a1 - a0 == b1 - b0
        for old, new in zip(text.splitlines(keepends=True)[a0:a1], new_text.splitlines(keepends=True)[b0:b1]):
            assert old.startswith("#")
            assert new.replace("LOOM", word, 1) == old
    assert new_text.count("  \n") == text.count("  \n")
    assert [line for line in new_text.splitlines() if line.startswith("|")] == [line for line in text.splitlines() if line.startswith("|")]


@pytest.mark.parametrize("name", MARKDOWN_FILES)
def test_canon_unmatched_file_not_rewritten(tmp_path, name):
    _require_inputs()
    canon = tmp_path / "canon"
    canon.mkdir()
    copy = canon / name
    shutil.copy2(REAL_INPUTS / name, copy)
    before = os.stat(copy)
    report = migrate_canon(canon, [{"pattern": "^# Game Rules$", "replacement": "# Rules"}])
    assert not report.changed
    assert os.stat(copy).st_mtime_ns == before.st_mtime_ns
