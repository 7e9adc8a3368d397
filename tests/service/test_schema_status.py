"""Which schema revisions a release serves: expand revisions keep older code serving."""

from __future__ import annotations

from loom_runtime.api.schema_status import schema_status


def test_own_revision_servable():
    assert schema_status("1100", "1.1.0").servable


def test_newer_expand_revision_servable():
    # 1.0.1 serves 1002; 1100 only adds an index.
    status = schema_status("1100", "1.0.1")
    assert status.servable
    assert status.expected == "1002"


def test_newer_contract_revision_not_servable():
    status = schema_status("0102", "0.9.3")
    assert not status.servable
    assert status.reason == ("The database schema is at revision 0102, newer than revision 0093 of release 0.9.3, "
                             "and revision 0100 changed tables this release uses.")


def test_older_revision_not_servable():
    status = schema_status("0093", "1.1.0")
    assert not status.servable
    assert status.fix == "run `loom db upgrade`, or loom-upgrade for a whole home."


def test_unknown_and_missing_revision():
    assert schema_status("4242", "1.1.0").reason == "The database is at revision 4242, which this release does not know."
    assert schema_status(None, "1.1.0").reason == "The database has no LOOM schema."
