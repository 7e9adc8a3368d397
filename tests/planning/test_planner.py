import itertools

import jsonschema
import pytest

from loom_upgrade.catalog import load_schema
from loom_upgrade.errors import CatalogError, UsageError
from loom_upgrade.home import detect_home
from loom_upgrade.planner import build_plan, find_path, plan_upgrade

RELEASES = ["0.1.0", "0.2.0", "0.9.0", "0.9.1", "0.9.2", "0.9.3", "0.10.0", "1.0.0", "1.0.1", "1.1.0"]
KNOWN = ", ".join(RELEASES)

# (from, to) -> expected type and risk of the whole jump.
EXPECTED_JUMPS = {
    ("0.9.0", "0.9.1"): ("patch", "medium"),
    ("0.9.1", "0.9.2"): ("patch", "medium"),
    ("1.0.0", "1.0.1"): ("patch", "low"),
    ("1.0.1", "1.1.0"): ("minor", "medium"),
    ("0.9.3", "0.10.0"): ("minor", "high"),
    ("0.10.0", "1.0.0"): ("major", "high"),
    ("0.1.0", "1.1.0"): ("major", "high"),
}


@pytest.mark.parametrize("source,target", list(itertools.combinations(RELEASES, 2)))
def test_plan_every_pair(catalog, source, target):
    plan = build_plan(catalog, catalog.release(source), catalog.release(target))
    releases_on_path = [hop.source for hop in plan.hops] + [plan.hops[-1].target]
    assert releases_on_path == RELEASES[RELEASES.index(source) : RELEASES.index(target) + 1]
    assert all(hop.path == "in-place" for hop in plan.hops)
    assert [hop.index for hop in plan.hops] == list(range(1, len(plan.hops) + 1))
    per_hop = [step for step in plan.steps if step.hop is not None]
    assert len(per_hop) == 6 * len(plan.hops)
    assert [step.id for step in plan.steps][:3] == ["preflight", "stop", "backup"]
    assert plan.steps[-1].id == "verify"
    jsonschema.validate(plan.to_document(), load_schema("plan.schema.json"))
    if (source, target) in EXPECTED_JUMPS:
        assert (plan.type, plan.risk) == EXPECTED_JUMPS[(source, target)]


def test_plan_step_ids_per_hop(catalog):
    plan = build_plan(catalog, catalog.release("0.9.3"), catalog.release("1.0.0"))
    ids = [step.id for step in plan.steps]
    assert "hop1.db-migrate" in ids
    assert "hop2.db-migrate" in ids
    assert ids.index("hop1.verify-hop") < ids.index("hop2.migrate-config")
    kinds = {step.id: step.kind for step in plan.steps}
    assert kinds["hop2.verify-hop"] == "verify-data"
    smoke = next(step for step in plan.steps if step.id == "smoke")
    assert smoke.params["max_latency_ratio"] == 1.5


def test_plan_marks_required_stops(catalog):
    plan = build_plan(catalog, catalog.release("0.9.3"), catalog.release("1.1.0"))
    stops = [hop.target for hop in plan.hops if hop.required_stop]
    assert stops == ["0.10.0", "1.0.0"]


def test_plan_export_import_path(catalog):
    plan = build_plan(catalog, catalog.release("0.1.0"), catalog.release("1.1.0"), path_mode="export-import")
    assert [(hop.source, hop.target, hop.path) for hop in plan.hops] == [
        ("0.1.0", "0.2.0", "in-place"),
        ("0.2.0", "1.0.0", "export-import"),
        ("1.0.0", "1.0.1", "in-place"),
        ("1.0.1", "1.1.0", "in-place"),
    ]
    assert plan.path == "export-import"
    assert plan.hops[1].details["via"] == ["0.9.0", "0.9.1", "0.9.2", "0.9.3", "0.10.0"]
    assert plan.hops[1].risk == "high"


def test_plan_auto_prefers_in_place(catalog):
    edges = find_path(catalog, catalog.release("0.2.0"), catalog.release("1.0.0"), "auto")
    assert all(edge.path == "in-place" for edge in edges)
    assert len(edges) == 6


def test_plan_export_import_unavailable(catalog):
    with pytest.raises(CatalogError) as caught:
        find_path(catalog, catalog.release("0.9.0"), catalog.release("1.1.0"), "export-import")
    assert caught.value.message == (
        "No export-import path leads from 0.9.0 to 1.1.0; export-import edges: 0.2.0 -> 1.0.0."
    )


def test_plan_downgrade_rejected(catalog):
    with pytest.raises(CatalogError) as caught:
        plan_upgrade(catalog, from_spec="1.0", to_spec="0.9")
    assert caught.value.message == "Downgrades are not planned: 0.9.3 is older than 1.0.1."
    assert caught.value.fix == (
        "To return to an older release, restore its backup with loom-upgrade rollback --backup ID. "
        f"Known releases: {KNOWN}."
    )


def test_plan_unknown_target_rejected(catalog):
    with pytest.raises(CatalogError) as caught:
        plan_upgrade(catalog, from_spec="0.9", to_spec="2.0")
    assert caught.value.message == "--to 2.0 is not a known release."
    assert caught.value.fix == f"Choose one of the known releases: {KNOWN}."


def test_plan_same_release_is_empty(catalog):
    plan = plan_upgrade(catalog, from_spec="1.1.0", to_spec="1.1")
    assert plan.hops == []
    assert plan.steps == []


def test_plan_without_home_needs_from(catalog):
    with pytest.raises(UsageError) as caught:
        plan_upgrade(catalog, from_spec=None, to_spec="1.1")
    assert caught.value.message == "--from is needed when no LOOM home is given."


def test_plan_line_resolves_to_home_release(catalog, make_test_home):
    home = detect_home(make_test_home("0.9.1"), catalog, probe_venv=False)
    plan = plan_upgrade(catalog, from_spec="0.9", to_spec="0.10", home=home)
    assert plan.source == "0.9.1"
    assert [hop.target for hop in plan.hops] == ["0.9.2", "0.9.3", "0.10.0"]
    assert plan.fingerprint["release"] == "0.9.1"
    assert plan.fingerprint["db_revision"] == "0091"


def test_plan_from_defaults_to_home(catalog, make_test_home):
    home = detect_home(make_test_home("1.0.0"), catalog, probe_venv=False)
    plan = plan_upgrade(catalog, from_spec=None, to_spec=None, home=home)
    assert (plan.source, plan.target) == ("1.0.0", "1.1.0")


def test_plan_from_must_match_home(catalog, make_test_home):
    home = detect_home(make_test_home("0.9.3"), catalog, probe_venv=False)
    with pytest.raises(UsageError) as caught:
        plan_upgrade(catalog, from_spec="0.10", to_spec="1.0", home=home)
    assert caught.value.message == "--from 0.10 does not match the home, which runs 0.9.3."
    assert caught.value.fix == "Omit --from, or pass --from 0.9.3."


def test_plan_estimates_from_table_sizes(catalog, make_test_home):
    home_dir = make_test_home("0.9.3", turns=400)
    home = detect_home(home_dir, catalog, probe_venv=False)
    plan = plan_upgrade(catalog, from_spec="0.9", to_spec="0.10", home=home)
    assert plan.estimates["basis"] == "estimate"
    assert plan.estimates["total_rows"] == 402  # 400 turns, one loom_meta row, one alembic_version row
    assert plan.estimates["backup"]["bytes"] >= (home_dir / "data" / "loom.db").stat().st_size
    assert plan.hops[0].estimate["seconds"] > 0
    assert plan.estimates["rates"]["migrate_rows_per_second"] == 50_000


def test_export_import_hop_lists_file_changes(catalog):
    plan = build_plan(catalog, catalog.release("0.2.0"), catalog.release("1.0.0"), path_mode="export-import")
    hop = plan.to_document()["hops"][0]
    chain = catalog.file_edges(plan.hops[0].edge)

    assert hop["path"] == "export-import"
    assert len(chain) == 6
    assert len(hop["config_ops"]) == sum(len(edge.config) for edge in chain)
    assert {"op": "move_key", "path": "storage.path", "to": "storage.url", "template": "sqlite:///{value}"} in hop["config_ops"]
    assert [variable["name"] for variable in hop["env_added"]] == [
        "NARRATIVE_INTERPRETER_MODE",
        "CONSISTENCY_CHECK_LEVEL",
        "INTERVENTION_HANDLING_MODE",
        "ENABLE_PERFORMANCE_MONITORING",
        "METRICS_EXPORT_PORT",
    ]
    assert hop["env_removed"] == ["MEMORY_STORAGE_TYPE"]
    assert hop["plugins"] == "manifest-v0-to-v1"
