import json
import re

import jsonschema
from rich.console import Console

from loom_upgrade.catalog import load_schema
from loom_upgrade.planner import build_plan
from loom_upgrade.report.document import event_dict, event_line, report_document
from loom_upgrade.report.human import plan_view
from loom_upgrade.report.summary import append_step_summary, plan_markdown, run_markdown


def _render(renderable) -> str:
    console = Console(width=200, no_color=True, force_terminal=False, record=True)
    console.print(renderable)
    return console.export_text()


def test_plan_view_lists_hop_details(catalog):
    plan = build_plan(catalog, catalog.release("0.10.0"), catalog.release("1.0.0"))
    text = _render(plan_view(plan.to_document()))
    assert "Hop 1: 0.10.0 -> 1.0.0" in text
    assert "- MEMORY_STORAGE_TYPE" in text  # removed variable
    assert "removes MEMORY_STORAGE_TYPE" in text
    assert "storage.path moves to storage.url" in text
    assert "column legacy_state dropped (its values are lost)" in text
    assert "1002 (contract)" in text
    assert (
        "each plugins/<name>/plugin.yaml (format 0) is converted to loom-plugin.yaml (api_version 1); "
        "hooks become capabilities"
    ) in text


def test_plan_view_translates_values(catalog):
    from loom_upgrade.i18n import current_language, set_language

    plan = build_plan(catalog, catalog.release("0.10.0"), catalog.release("1.0.0"))
    previous = current_language()
    set_language("zh_CN")
    try:
        text = _render(plan_view(plan.to_document()))
    finally:
        set_language(previous)

    assert text.splitlines()[0] == "升级 0.10.0 -> 1.0.0：主版本，风险 高，路径 原地，共 1 跳。"
    assert "major" not in text
    assert "in-place" not in text


def test_plan_view_without_colour_has_no_escapes(catalog):
    plan = build_plan(catalog, catalog.release("1.0.0"), catalog.release("1.1.0"))
    console = Console(width=120, no_color=True, force_terminal=False, record=True)
    console.print(plan_view(plan.to_document()))
    codes = re.findall(r"\x1b\[([0-9;]*)m", console.export_text(styles=True))
    parameters = {part for code in codes for part in code.split(";")}
    colours = {str(n) for n in [*range(30, 39), *range(40, 49), *range(90, 98), *range(100, 108)]}
    assert parameters & colours == set()


def test_event_line_is_one_json_line():
    event = {"kind": "step-finished", "run_id": "r1", "step_id": "backup", "message": "done", "time": 0.0}
    line = event_line(event)
    assert "\n" not in line
    data = json.loads(line)
    assert data["timestamp"] == "1970-01-01T00:00:00+00:00"
    assert data["step_id"] == "backup"


def test_run_report_validates_with_events():
    events = [event_dict({"kind": "run-started", "run_id": "r1", "time": 1.0, "data": {}})]
    document = report_document("apply", exit_code=0, events=events, outcome="done")
    jsonschema.validate(document, load_schema("report.schema.json"))
    assert document["outcome"] == "done"


def test_step_summary_appended_when_set(catalog, tmp_path):
    target = tmp_path / "summary.md"
    target.write_text("earlier step\n", encoding="utf-8")
    markdown = plan_markdown(build_plan(catalog, catalog.release("0.9.3"), catalog.release("0.10.0")).to_document())
    assert append_step_summary(markdown, {"GITHUB_STEP_SUMMARY": str(target)}) == target
    text = target.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## loom-upgrade plan 0.9.3 -> 0.10.0")
    assert "| 0.9.3 -> 0.10.0 | minor | high |" in text


def test_step_summary_skipped_when_unset():
    assert append_step_summary("## x\n", {}) is None


def _failed_run_events():
    return [
        {"kind": "run-started", "run_id": "r1", "time": 100.0,
         "data": {"from_release": "0.9.3", "to_release": "1.1.0", "steps": ["backup", "smoke"]}},
        {"kind": "step-started", "step_id": "backup", "time": 100.0},
        {"kind": "step-progress", "step_id": "backup", "time": 100.5, "data": {"done": 1, "total": 2}},
        {"kind": "step-finished", "step_id": "backup", "time": 102.5, "message": "3 files | 2 MiB"},
        {"kind": "step-started", "step_id": "smoke", "time": 103.0},
        {"kind": "step-failed", "step_id": "smoke", "time": 104.0, "message": "api-turn failed"},
        {"kind": "rollback-started", "run_id": "r1", "time": 104.0, "message": "api-turn failed"},
        {"kind": "rollback-step", "step_id": "backup", "time": 105.0, "data": {"ok": True}},
        {"kind": "run-finished", "run_id": "r1", "time": 106.0,
         "data": {"outcome": "rolled-back", "failed_step": "smoke", "error": "api-turn failed", "duration": 6.0}},
    ]


def test_run_markdown_rows_per_step():
    from loom_upgrade.errors import RolledBackError

    error = RolledBackError("The upgrade failed at smoke: api-turn failed.", fix="Read the service log.")

    text = run_markdown(_failed_run_events(), "RolledBackError", error)

    assert text == (
        "## loom-upgrade: failed at smoke and rolled back to 0.9.3\n"
        "\n"
        "| step | status | duration | detail |\n"
        "| --- | --- | --- | --- |\n"
        "| backup | undone | 2.5 s | 3 files \\| 2 MiB |\n"
        "| smoke | failed | - | api-turn failed |\n"
        "\n"
        "Error: The upgrade failed at smoke: api-turn failed.\n"
        "\n"
        "Fix: Read the service log.\n"
    )


def test_run_markdown_done_heading():
    events = [
        {"kind": "run-started", "data": {"from_release": "0.9.3", "to_release": "1.1.0", "steps": []}},
        {"kind": "run-finished", "data": {"outcome": "done"}},
    ]
    assert run_markdown(events, "done").startswith("## loom-upgrade: upgraded 0.9.3 -> 1.1.0\n")


def test_run_markdown_in_chinese():
    from loom_upgrade.i18n import current_language, set_language

    previous = current_language()
    set_language("zh_CN")
    try:
        text = run_markdown(_failed_run_events(), "RolledBackError")
    finally:
        set_language(previous)

    assert text.splitlines()[0] == "## loom-upgrade：在 smoke 处失败，已回滚到 0.9.3"
    assert "| backup | 已撤销 | 2.5 秒 | 3 files \\| 2 MiB |" in text
    assert "| smoke | 未通过 | - | api-turn failed |" in text
    assert "RolledBackError" not in text
    assert "rolled-back" not in text


def test_print_view_keeps_ids_off_terminal(catalog):
    import io

    from rich.console import Console
    from rich.table import Table

    from loom_upgrade.report.human import releases_table
    from loom_upgrade.report.render import id_column, print_view

    run_ids = ["20261204T212233Z-4f1c2a", "20261204T212301Z-9b8e7d"]
    runs = Table()
    id_column(runs, "run", run_ids)
    runs.add_column("outcome")
    for run_id in run_ids:
        runs.add_row(run_id, "rolled back after a failure at smoke")
    buffer = io.StringIO()
    narrow = Console(file=buffer, width=30, color_system=None)

    print_view(narrow, runs)
    print_view(narrow, releases_table(catalog))

    output = buffer.getvalue()
    lines = output.splitlines()
    for run_id in run_ids:
        assert run_id in output
    assert "…" not in output
    assert [line for line in lines if line != line.rstrip()] == []
    assert any(line.split()[:3] == ["1.0.0", "2026-04-20", "1002"] for line in lines if line.strip())


def test_id_column_survives_narrow_terminal():
    import io

    from rich.console import Console
    from rich.table import Table

    from loom_upgrade.report.render import id_column, print_view

    backup_id = "20261204T212233Z-0.9.3-a1b2c3"
    table = Table()
    id_column(table, "ID", [backup_id])
    table.add_column("size")
    table.add_row(backup_id, "748.2 MB")
    buffer = io.StringIO()
    print_view(Console(file=buffer, width=24, force_terminal=True, color_system=None), table)

    assert backup_id in buffer.getvalue()
