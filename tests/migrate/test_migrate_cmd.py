"""``loom-upgrade migrate``: the command line over a fixture home, run as a real process."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.components import component_missing

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "LANG": "zh_CN.UTF-8" if lang == "zh" else "C.UTF-8"}
    env.pop("LC_ALL", None)
    return subprocess.run([sys.executable, "-m", "loom_upgrade", *args], capture_output=True, text=True, env=env, timeout=120)


def home_at(tmp_path: Path, release: str) -> Path:
    home = tmp_path / "home"
    shutil.copytree(ROOT / "fixtures" / "homes" / release, home)
    return home


def test_dry_run_prints_diff_and_keeps_file(tmp_path):
    home = home_at(tmp_path, "0.9.3")
    config = home / "config" / "default_config.yaml"
    before = config.read_bytes()
    result = run("migrate", "config", "--from", "0.9.3", "--to", "0.10", str(home), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "-engine:\n+interpreter:\n" in result.stdout
    assert result.stdout.rstrip().endswith("Dry run: no file was changed.")
    assert config.read_bytes() == before


def test_env_file_json_output(tmp_path):
    home = home_at(tmp_path, "0.9.3")
    result = run("migrate", "env", "--from", "0.9", "--to", "1.0", str(home / ".env"), "--output", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["kind"] == "env"
    assert document["files"][0]["changed"] is True
    text = (home / ".env").read_text()
    assert "NARRATIVE_INTERPRETER_MODE=advanced" in text
    assert "MEMORY_STORAGE_TYPE" not in text
    assert "sk-test" not in result.stdout


def test_backwards_range_exits_2(tmp_path):
    home = home_at(tmp_path, "1.0.0")
    result = run("migrate", "canon", "--from", "1.0", "--to", "0.9", str(home))
    assert result.returncode == 2
    assert "error: --to 0.9.3 is older than --from 1.0.1: migrations only go forward" in result.stderr


def test_broken_yaml_error_in_chinese(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("a: 1\nb: [\n")
    result = run("migrate", "config", "--from", "0.9.3", "--to", "0.10.0", str(path), lang="zh")
    assert result.returncode == 2
    assert f"错误: {path}:2: config.yaml 不是有效的 YAML" in result.stderr
    assert "解决办法: 请更正该行的 YAML 语法，然后重新运行迁移。" in result.stderr
    assert path.read_text() == "a: 1\nb: [\n"


@contextlib.contextmanager
def read_only(folder: Path):
    """Bind-mount ``folder`` read-only on itself (root only), unmounted at the end."""
    steps = (["mount", "--bind", str(folder), str(folder)], ["mount", "-o", "remount,bind,ro", str(folder)])
    mounted = False
    try:
        for step in steps:
            result = subprocess.run(step, capture_output=True, text=True)
            if result.returncode != 0:
                component_missing("read-only bind mount", result.stderr.strip() or "mount failed")
            mounted = True
        yield folder
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=False)


def test_canon_non_utf8_writes_nothing(tmp_path):
    canon = tmp_path / "canon"
    canon.mkdir()
    (canon / "a.md").write_text("## Game Rules\n")
    (canon / "z.md").write_bytes("## 游戏规则\n".encode("gbk"))
    result = run("migrate", "canon", "--from", "0.9.3", "--to", "0.10.0", str(canon))
    assert result.returncode == 2
    assert f"error: {canon / 'z.md'}:1: z.md is not valid UTF-8 (byte 3)" in result.stderr
    assert (canon / "a.md").read_text() == "## Game Rules\n"


def test_plugins_broken_manifest_writes_nothing(tmp_path):
    plugins = tmp_path / "plugins"
    for name, text in (("a", "name: a\nmodule: a_mod\nhooks: [on_turn]\n"), ("z", "name: z\nhooks: [\n")):
        (plugins / name).mkdir(parents=True)
        (plugins / name / "plugin.yaml").write_text(text)
    result = run("migrate", "plugins", "--from", "0.10.0", "--to", "1.0.0", str(plugins))
    assert result.returncode == 2
    assert f"{plugins / 'z' / 'plugin.yaml'}:" in result.stderr
    assert not (plugins / "a" / "loom-plugin.yaml").exists()


def test_read_only_folder_exits_2(tmp_path):
    home = home_at(tmp_path, "0.9.3")
    sub = home / "canon" / "sub"
    sub.mkdir()
    (sub / "notes.md").write_text("## Game Master Notes\n")
    before = (home / "canon" / "default.md").read_bytes()
    with read_only(sub):
        result = run("migrate", "canon", "--from", "0.9.3", "--to", "0.10.0", str(home))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"error: {sub / 'notes.md'}: cannot write {sub / 'notes.md'}: Read-only file system; no file was changed" in result.stderr
    assert f"fix: The file system holding {sub / 'notes.md'} is mounted read-only: remount it read-write" in result.stderr
    assert (home / "canon" / "default.md").read_bytes() == before
    assert (sub / "notes.md").read_text() == "## Game Master Notes\n"


def test_canon_folder_without_markdown(tmp_path):
    home = home_at(tmp_path, "0.9.3")
    result = run("migrate", "canon", "--from", "0.9.3", "--to", "0.10.0", str(home / "config"))
    assert result.returncode == 2
    assert f"error: {home / 'config'}: no Markdown files (*.md) under {home / 'config'}: nothing to migrate" in result.stderr


def test_plugins_folder_without_manifests(tmp_path):
    home = home_at(tmp_path, "0.10.0")
    result = run("migrate", "plugins", "--from", "0.10.0", "--to", "1.0.0", str(home / "canon"))
    assert result.returncode == 2
    assert f"no plugin manifests (*/plugin.yaml) under {home / 'canon'}: nothing to migrate" in result.stderr


def test_config_newer_than_from_rejected(tmp_path):
    home = home_at(tmp_path, "1.1.0")
    config = home / "config" / "default_config.yaml"
    before = config.read_bytes()
    result = run("migrate", "config", "--from", "0.9.3", "--to", "0.10.0", str(home))
    assert result.returncode == 2
    assert f"error: {config}: default_config.yaml is not in the config format of release 0.9.3 (" in result.stderr
    assert "); it looks like release 1.1.0\n" in result.stderr
    assert "fix: Run the command again with --from 1.1.0, the release this file is at." in result.stderr
    assert config.read_bytes() == before


def test_config_older_than_from_rejected(tmp_path):
    home = home_at(tmp_path, "0.1.0")
    config = home / "config" / "default_config.yaml"
    result = run("migrate", "config", "--from", "0.10.0", "--to", "1.1.0", str(config))
    assert result.returncode == 2
    assert "default_config.yaml is not in the config format of release 0.10.0 (" in result.stderr
    assert "); it looks like release 0.1.0\n" in result.stderr


def test_config_at_target_is_noop(tmp_path):
    home = home_at(tmp_path, "0.10.0")
    config = home / "config" / "default_config.yaml"
    before = config.read_bytes()
    result = run("migrate", "config", "--from", "0.9.3", "--to", "0.10.0", str(home))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"{config}: unchanged\n  note: default_config.yaml is already in the config format of release 0.10.0; nothing to do\n"
    )
    assert config.read_bytes() == before


def test_env_at_target_is_noop(tmp_path):
    home = home_at(tmp_path, "1.1.0")
    env = home / ".env"
    before = env.read_bytes()
    result = run("migrate", "env", "--from", "0.9.3", "--to", "0.10.0", str(home))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{env}: unchanged\n  note: .env is already in the env format of release 0.10.0; nothing to do\n"
    assert env.read_bytes() == before


def test_env_older_than_from_rejected(tmp_path):
    home = home_at(tmp_path, "0.10.0")
    env = home / ".env"
    before = env.read_bytes()
    result = run("migrate", "env", "--from", "1.0.0", "--to", "1.1.0", str(home))
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {env}: .env is not in the env format of release 1.0.0 (it sets MEMORY_STORAGE_TYPE, which release 1.0.0 "
        "does not have); it looks like release 0.10.0\n"
        "fix: Run the command again with --from 0.10.0, the release this file is at.\n"
    )
    assert env.read_bytes() == before


def test_env_bom_removal_in_diff(tmp_path):
    env = tmp_path / ".env"
    env.write_text("\ufeffLOOM_LOG_LEVEL=INFO\n")
    result = run("migrate", "env", "--from", "0.10.0", "--to", "1.0.0", str(env), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "-\ufeffLOOM_LOG_LEVEL=INFO\n+LOOM_LOG_LEVEL=INFO\n" in result.stdout
    assert "  note: removed UTF-8 byte-order mark from .env\n" in result.stdout


def test_counts_as_sentences(tmp_path):
    home = home_at(tmp_path, "0.9.3")
    result = run("migrate", "env", "--from", "0.9.3", "--to", "1.0.0", str(home / ".env"), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{home / '.env'}: would change (5 variables added)\n")


def test_counts_as_sentences_in_chinese(tmp_path):
    home = home_at(tmp_path, "0.9.3")
    result = run("migrate", "env", "--from", "0.9.3", "--to", "1.0.0", str(home / ".env"), "--dry-run", lang="zh")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{home / '.env'}: 将会修改（新增 5 个变量）\n")


def test_plugin_without_module_warned(tmp_path):
    plugins = tmp_path / "plugins"
    (plugins / "a").mkdir(parents=True)
    (plugins / "a" / "plugin.yaml").write_text("name: a\nhooks: [on_turn]\n")
    result = run("migrate", "plugins", "--from", "0.10.0", "--to", "1.0.0", str(plugins))
    assert result.returncode == 0, result.stderr
    assert (
        f"  warning: plugin a: {plugins / 'a' / 'plugin.yaml'} has no module, so the new manifest has no entry_point and "
        "LOOM cannot load it; its author must add entry_point: <module>:<class implementing loom_runtime.plugins.LoomPlugin>\n"
    ) in result.stdout


def test_missing_path_named_once(tmp_path):
    missing = tmp_path / "nope" / "x.yaml"
    result = run("migrate", "config", "--from", "0.9.3", "--to", "0.10.0", str(missing))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {missing}: no such file or folder\n")


def test_folder_is_not_env_file(tmp_path):
    result = run("migrate", "env", "--from", "0.9.3", "--to", "0.10.0", str(tmp_path))
    assert result.returncode == 2
    assert f"error: {tmp_path}: {tmp_path} is a folder, not an .env file, and not a LOOM home\n" in result.stderr


def test_jsonl_one_event_per_line(tmp_path):
    home = home_at(tmp_path, "0.9.3")
    result = run("migrate", "canon", "--from", "0.9.3", "--to", "0.10.0", str(home), "--dry-run", "--output", "jsonl")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [event["event"] for event in events] == ["file", "file", "result"]
    assert events[-1]["kind"] == "canon"
    assert events[-1]["changed"] is True


def test_llm_section_keeps_place_and_comment(tmp_path):
    home = home_at(tmp_path, "0.1.0")
    config = home / "config" / "default_config.yaml"
    result = run("migrate", "config", "--from", "0.1.0", "--to", "0.2.0", str(home))
    assert result.returncode == 0, result.stderr
    text = config.read_text()
    assert (
        "  port: 8000  # HTTP API port\n\n"
        "# Language model used to interpret turns.\n"
        "llm_providers:\n"
        "  default: offline\n"
        "  offline:\n"
        "    model: loom-offline-small  # 离线模型，不需要网络\n"
        "    # sampling temperature, 0 to 2\n"
        "    temperature: 0.7\n\n"
        "storage:\n"
    ) in text
    assert "llm:" not in text


def test_read_only_config_json_error(tmp_path):
    home = home_at(tmp_path, "0.9.3")
    folder = home / "config"
    before = (folder / "default_config.yaml").read_bytes()
    with read_only(folder):
        result = run("migrate", "config", "--from", "0.9.3", "--to", "0.10.0", str(home), "--output", "json")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    error = json.loads(result.stdout)
    assert error["message"] == f"cannot write {folder / 'default_config.yaml'}: Read-only file system; no file was changed"
    assert error["fix"] == (
        f"The file system holding {folder / 'default_config.yaml'} is mounted read-only: remount it read-write "
        "or copy the home elsewhere, then run the command again."
    )
    assert (folder / "default_config.yaml").read_bytes() == before
