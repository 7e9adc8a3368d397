"""Every message a user reads has a Simplified Chinese translation, compiled and shipped."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "tools" / "i18n.py")
i18n_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(i18n_tool)


@pytest.mark.parametrize("package", ["loom_runtime", "loom_upgrade"])
def test_every_message_has_chinese_translation(package):
    missing = i18n_tool.missing(package)
    assert missing == [], f"{package} messages without a zh_CN translation: {missing}"


@pytest.mark.parametrize("package", ["loom_runtime", "loom_upgrade"])
def test_compiled_catalogs_match_sources(package, tmp_path):
    folder = ROOT / package / "locale" / "zh_CN" / "LC_MESSAGES"
    stale = []
    for po_file in sorted(folder.glob("*.po")):
        fresh = tmp_path / po_file.with_suffix(".mo").name
        subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(po_file)], check=True)
        shipped = po_file.with_suffix(".mo")
        if not shipped.exists() or shipped.read_bytes() != fresh.read_bytes():
            stale.append(shipped.name)
    assert stale == [], f"run `python tools/i18n.py compile`; stale catalogs in {folder}: {stale}"


def test_source_scan_finds_marked_messages():
    # Guards the check above: an extractor that finds nothing would pass it vacuously.
    messages = i18n_tool.source_messages("loom_upgrade")
    assert "Plan, apply and roll back upgrades of a LOOM deployment." in messages


def test_lang_option_switches_help_to_chinese():
    result = subprocess.run(
        [sys.executable, "-m", "loom_upgrade", "--lang", "zh", "--help"],
        capture_output=True, text=True, check=False, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )
    assert result.returncode == 0, result.stderr
    assert "用法：" in result.stdout
    assert "规划、执行和回滚 LOOM 部署的升级。" in result.stdout
    assert "显示此帮助信息并退出。" in result.stdout


def test_lang_environment_selects_chinese_errors():
    result = subprocess.run(
        [sys.executable, "-m", "loom_upgrade", "no-such-command"],
        capture_output=True, text=True, check=False, env={"PATH": "/usr/bin:/bin", "LANG": "zh_CN.UTF-8"},
    )
    assert result.returncode == 2
    assert "错误: 没有名为 'no-such-command' 的命令。" in result.stderr
    assert "Traceback" not in result.stderr


def test_vendored_click_usage_error_translated():
    result = subprocess.run(
        [sys.executable, "-m", "loom_upgrade", "--lang", "zh", "releases", "--no-such-flag"],
        capture_output=True, text=True, check=False, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )
    assert result.returncode == 2
    assert "错误: 没有此选项：--no-such-flag" in result.stderr
