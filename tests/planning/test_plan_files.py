import json
import sqlite3
import stat

import jsonschema
import pytest

from loom_upgrade.catalog import load_schema
from loom_upgrade.errors import PlanError, UsageError
from loom_upgrade.home import detect_home
from loom_upgrade.home.database import redact
from loom_upgrade.planner import ALREADY_AT_TARGET, FRESH, check_fresh, load_plan, plan_upgrade, save_plan


@pytest.fixture
def saved(catalog, make_test_home):
    """A home at 0.9.3 and its saved plan to 0.10."""
    home = make_test_home("0.9.3")
    state = detect_home(home, catalog, probe_venv=False)
    plan = plan_upgrade(catalog, from_spec="0.9", to_spec="0.10", home=state)
    path = home / "plan.json"
    save_plan(plan, path)
    return home, path


def _redetect(catalog, home):
    return detect_home(home, catalog, probe_venv=False)


def test_saved_plan_validates_and_loads(catalog, saved):
    home, path = saved
    document = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(document, load_schema("plan.schema.json"))
    assert document["digest"].startswith("hmac-sha256:")
    plan = load_plan(path, home, catalog)
    assert [step.id for step in plan.steps][3] == "hop1.migrate-config"
    assert plan.hops[0].edge.target.public == "0.10.0"
    assert check_fresh(plan, _redetect(catalog, home), catalog) == FRESH


def test_plan_key_is_owner_only(saved):
    home, _ = saved
    key = home / ".loom-upgrade" / "plan.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(bytes.fromhex(key.read_text().strip())) == 32


def test_redact_hides_password():
    url = "postgresql+psycopg://loom:hunter2@127.0.0.1:5432/loom"
    assert redact(url) == "postgresql+psycopg://loom:***@127.0.0.1:5432/loom"


def test_plan_has_no_env_values(catalog, make_test_home):
    home = make_test_home("1.0.0")
    (home / ".env").write_text("OPENAI_API_KEY=sk-very-secret\n", encoding="utf-8")
    state = detect_home(home, catalog, probe_venv=False)
    path = home / "plan.json"
    save_plan(plan_upgrade(catalog, from_spec=None, to_spec="1.1", home=state), path)
    assert "sk-very-secret" not in path.read_text(encoding="utf-8")


def test_tampered_plan_rejected(catalog, saved):
    home, path = saved
    document = json.loads(path.read_text(encoding="utf-8"))
    document["steps"] = [s for s in document["steps"] if s["id"] != "backup"]
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_plan(path, home, catalog)
    assert caught.value.message == (
        f"The plan file {path} was modified after it was saved, or was made for another home."
    )
    assert caught.value.path == str(path)
    assert caught.value.exit_code == 2


def test_plan_for_other_home_rejected(catalog, saved, make_test_home):
    _, path = saved
    other = make_test_home("0.9.2")
    with pytest.raises(PlanError) as caught:
        load_plan(path, other, catalog)
    assert "was made for another home" in caught.value.message


def test_plan_not_json_rejected(catalog, saved):
    home, path = saved
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_plan(path, home, catalog)
    assert caught.value.message.startswith("The plan file is not valid JSON")
    assert caught.value.line == 1


def test_stale_plan_names_release_and_revision(catalog, saved):
    home, path = saved
    plan = load_plan(path, home, catalog)
    with sqlite3.connect(home / "data" / "loom.db") as connection:
        connection.execute("UPDATE loom_meta SET value = '0.9.2' WHERE key = 'release'")
        connection.execute("UPDATE alembic_version SET version_num = '0091'")
    with pytest.raises(PlanError) as caught:
        check_fresh(plan, _redetect(catalog, home), catalog)
    assert caught.value.message == (
        "The plan is stale: the home changed since it was planned "
        "(release was 0.9.3, now 0.9.2; DB revision was 0093, now 0091)."
    )


def test_stale_plan_names_config_hash(catalog, saved):
    home, path = saved
    plan = load_plan(path, home, catalog)
    config = home / "config" / "default_config.yaml"
    before = plan.fingerprint["config_sha256"][:12]
    config.write_text(config.read_text() + "# edited\n", encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        check_fresh(plan, _redetect(catalog, home), catalog)
    assert caught.value.message.startswith(
        f"The plan is stale: the home changed since it was planned (config hash was {before}, now "
    )
    assert "env hash" not in caught.value.message


def test_stale_plan_names_env_hash(catalog, saved):
    home, path = saved
    plan = load_plan(path, home, catalog)
    (home / ".env").unlink()
    with pytest.raises(PlanError) as caught:
        check_fresh(plan, _redetect(catalog, home), catalog)
    before = plan.fingerprint["env_sha256"][:12]
    assert caught.value.message == (
        f"The plan is stale: the home changed since it was planned (env hash was {before}, now absent)."
    )


def test_plan_already_at_target(catalog, saved):
    home, path = saved
    plan = load_plan(path, home, catalog)
    with sqlite3.connect(home / "data" / "loom.db") as connection:
        connection.execute("UPDATE loom_meta SET value = '0.10.0' WHERE key = 'release'")
        connection.execute("UPDATE alembic_version SET version_num = '0102'")
    assert check_fresh(plan, _redetect(catalog, home), catalog) == ALREADY_AT_TARGET


def test_save_plan_needs_home(catalog, tmp_path):
    plan = plan_upgrade(catalog, from_spec="0.9", to_spec="0.10")
    with pytest.raises(UsageError) as caught:
        save_plan(plan, tmp_path / "plan.json")
    assert caught.value.message == (
        "Only a plan made for a LOOM home can be saved, because it records the home's fingerprint."
    )
    assert not (tmp_path / "plan.json").exists()
