from pathlib import Path

import pytest

from loom_upgrade.catalog import default_catalog_path, load_catalog, resolve
from loom_upgrade.errors import CatalogError

KNOWN = "0.1.0, 0.2.0, 0.9.0, 0.9.1, 0.9.2, 0.9.3, 0.10.0, 1.0.0, 1.0.1, 1.1.0"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    text = default_catalog_path().read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "releases.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, fragment: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if fragment in line)


def test_catalog_loads_every_release(catalog):
    assert catalog.version_list() == KNOWN
    assert catalog.release("0.10.0").required_stop
    assert catalog.release("1.0.0").db_revision == "1002"


def test_catalog_schema_error_names_line(tmp_path):
    path = _broken_copy(tmp_path, "mark: contract, down: lossless", "mark: shrink, down: lossless")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    error = caught.value
    assert error.path == str(path)
    assert error.line == _line_of(path, "mark: shrink")
    assert error.message == (
        "The release catalog does not match its schema at revisions/5/mark: 'shrink' is not one of "
        "['expand', 'contract']."
    )
    assert "catalog.schema.json" in error.fix


def test_catalog_yaml_syntax_error_names_line(tmp_path):
    path = _broken_copy(tmp_path, "catalog_version: 1", "catalog_version: [1")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert caught.value.message.startswith("The release catalog is not valid YAML")
    assert caught.value.line is not None


def test_catalog_missing_edge_rejected(tmp_path):
    text = default_catalog_path().read_text(encoding="utf-8")
    start = text.index("  - from: 1.0.0\n    to: 1.0.1")
    end = text.index("  - from: 1.0.1\n")
    path = tmp_path / "releases.yaml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert caught.value.message == "No in-place edge leads from 1.0.0 to 1.0.1."
    assert caught.value.line == _line_of(path, "- version: 1.0.1")


def test_catalog_revision_mismatch_rejected(tmp_path):
    path = _broken_copy(tmp_path, 'db_revision: "0093"', 'db_revision: "0091"')
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert caught.value.message == (
        "Edge 0.9.2 -> 0.9.3 applies revisions [0093], but 0.9.2 serves 0091 and 0.9.3 serves 0091, "
        "which needs []."
    )


def test_catalog_unknown_revision_rejected(tmp_path):
    path = _broken_copy(tmp_path, 'db: {revisions: ["1100"], rows: {}}', 'db: {revisions: ["1199"], rows: {}}')
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert caught.value.message == (
        "Edge 1.0.1 -> 1.1.0 applies database revision 1199, which the revisions list lacks."
    )


def test_catalog_skipped_required_stop_rejected(tmp_path):
    path = _broken_copy(tmp_path, "via: [0.9.0, 0.9.1, 0.9.2, 0.9.3, 0.10.0]", "via: [0.9.0, 0.9.1, 0.9.2, 0.9.3]")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert caught.value.message == "Edge 0.2.0 -> 1.0.0 passes over required stop 0.10.0 without listing it in via."


def test_resolve_line_without_home_takes_newest(catalog):
    assert resolve(catalog, "0.9").text == "0.9.3"
    assert resolve(catalog, "1.0").text == "1.0.1"
    assert resolve(catalog, "0.10").text == "0.10.0"


def test_resolve_line_with_detected_release(catalog):
    detected = catalog.release("0.9.1")
    assert resolve(catalog, "0.9", detected=detected).text == "0.9.1"
    assert resolve(catalog, "1.0", detected=detected).text == "1.0.1"


def test_resolve_exact_release(catalog):
    assert resolve(catalog, "0.9.2").text == "0.9.2"


def test_resolve_unknown_release_lists_known(catalog):
    with pytest.raises(CatalogError) as caught:
        resolve(catalog, "0.9.7", option="--to")
    assert caught.value.message == "--to 0.9.7 is not a known release."
    assert caught.value.fix == f"Choose one of the known releases: {KNOWN}."


def test_resolve_unknown_line_lists_known(catalog):
    with pytest.raises(CatalogError) as caught:
        resolve(catalog, "0.5", option="--from")
    assert caught.value.message == "--from 0.5 is not a known release."
    assert caught.value.fix == f"Choose one of the known releases: {KNOWN}."


def test_resolve_malformed_spec(catalog):
    with pytest.raises(CatalogError) as caught:
        resolve(catalog, "latest")
    assert caught.value.message == "--to latest is not a release or a release line."
    assert caught.value.fix == (
        f"Name a release such as 0.9.2 or a release line such as 0.9; known releases: {KNOWN}."
    )
