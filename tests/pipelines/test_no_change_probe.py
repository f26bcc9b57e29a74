"""A load skips the read of a CRM object whose vendor counts no change since the newest record
loaded (HubSpot search `total`, Salesforce `SELECT COUNT()`), says so, and still loads exactly
what changed once something did."""

from __future__ import annotations

import duckdb
import pytest

from tests.conftest import Project
from tests.pipelines.reconcile import differences
from warehouse.location import WarehousePaths

pytestmark = pytest.mark.slow

CRM = ("hubspot", "salesforce")


def _latest_runs(project: Project) -> dict[tuple[str, str], tuple[int, int]]:
    """(system, resource) → (records, requests) of the latest load."""
    with duckdb.connect(str(WarehousePaths(project.warehouse).published), read_only=True) as con:
        rows = con.execute(
            "select system, resource, records, requests from monitor.load_resource_runs "
            "where run_id = (select max(run_id) from monitor.load_runs)"
        ).fetchall()
    return {(s, r): (records, requests) for s, r, records, requests in rows}


def test_unchanged_crm_objects_are_probed_not_read_and_changes_still_load(
    project: Project,
) -> None:
    project.roundtrip("load", *CRM)
    again = project.roundtrip("load", *CRM)

    skipped = [line for line in again.stderr.splitlines() if ": read skipped, " in line]
    assert len(skipped) == 3 + 7  # HubSpot's CRM objects, every Salesforce sObject
    assert all("the vendor counts no record modified after 20" in line for line in skipped)
    runs = _latest_runs(project)
    assert runs[("salesforce", "leads")] == (0, 1)  # the COUNT() probe, nothing else
    assert runs[("hubspot", "contacts")] == (0, 3)  # properties, the probe, the archived list
    assert ("hubspot", "contact_companies") not in runs  # no contacts read: nothing to follow

    project.roundtrip("sandbox", "advance", "--days", "1")
    changed = project.roundtrip("load", *CRM)
    published = WarehousePaths(project.warehouse).published
    for system in CRM:
        assert differences(published, project.sandbox.world_db, system) == []
    assert "hubspot.contacts: read skipped" not in changed.stderr
    assert "salesforce.leads: read skipped" not in changed.stderr
    assert _latest_runs(project)[("hubspot", "contacts")][0] > 0
