"""`propagate_deletes: true` on the sandbox: a Lead deleted in Salesforce archives its HubSpot
contact, a HubSpot contact archived deletes its Salesforce record; both links are retired with
what was done. (Without the setting the other side is left alone:
test_two_way_convergence.py::test_delete_retires_the_link_and_conversion_re_points_it.)"""

from __future__ import annotations

import pytest
import yaml

from reverse.specs import DEFAULT_SPECS
from sandbox import edits
from sandbox.state import WorldInfo
from tests.reverse.conftest import SyncProject

pytestmark = pytest.mark.slow

SYNC = "contacts_two_way"


def test_a_delete_on_one_side_removes_the_counterpart(sp: SyncProject) -> None:
    document = yaml.safe_load(DEFAULT_SPECS.read_text())
    (two_way,) = document["two_way"]
    sp.write_specs(yaml.safe_dump({"two_way": [{**two_way, "propagate_deletes": True}]}))
    sp.sync(SYNC)
    with sp.state() as con:
        links = con.execute(
            "select map_id, crm_object, crm_id from two_way_links where sync = ? "
            "and status = 'active' and crm_object = 'Lead' order by map_id limit 2",
            [SYNC],
        ).fetchall()
    (gone_in_sf, lead_a), (gone_in_hs, lead_b) = [(m, c) for m, _, c in links]
    paths = sp.project.sandbox
    now = WorldInfo.read(paths).now.replace(tzinfo=None)
    edits.delete(paths, "salesforce", "Lead", lead_a, now)
    edits.delete(paths, "hubspot", "contacts", gone_in_hs, now)
    sp.project.roundtrip("load", "hubspot", "salesforce")
    sp.project.roundtrip("transform")
    sp.sync(SYNC)
    with sp.world() as world:
        archived = world.execute(
            "select archived from hubspot_contacts where id = ?", [int(gone_in_sf)]
        ).fetchone()[0]
        deleted = world.execute(
            'select "IsDeleted" from salesforce_lead where "Id" = ?', [lead_b]
        ).fetchone()[0]
    assert archived and deleted
    with sp.state() as con:
        reasons = dict(con.execute(
            "select map_id, reason from two_way_links where sync = ? and status = 'retired'",
            [SYNC],
        ).fetchall())  # fmt: skip
    assert reasons[gone_in_sf] == (
        f"Salesforce Lead {lead_a} deleted or merged; HubSpot contact archived (propagate_deletes)"
    )
    assert reasons[gone_in_hs] == (
        f"HubSpot contact archived or merged; Salesforce Lead {lead_b} deleted (propagate_deletes)"
    )
