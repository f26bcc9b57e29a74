"""`create: true` on the sandbox: a HubSpot contact no Salesforce record matches gets a Lead, a
Salesforce record no HubSpot contact matches gets a contact, both are linked with the values
they were created with, and a rerun after the next load creates nothing again."""

from __future__ import annotations

import sqlite3

import pyarrow as pa
import pytest
import yaml

from reverse.specs import DEFAULT_SPECS
from tests.reverse.conftest import SyncProject

pytestmark = pytest.mark.slow

SYNC = "contacts_two_way"


def _with_create(sp: SyncProject) -> None:
    document = yaml.safe_load(DEFAULT_SPECS.read_text())
    (two_way,) = document["two_way"]
    two_way["create"] = {"crm_to_map": True, "map_to_crm": True}
    sp.write_specs(yaml.safe_dump({"two_way": [two_way]}))


def _run(sp: SyncProject) -> sqlite3.Row:
    with sp.state() as con:
        con.row_factory = sqlite3.Row
        return con.execute(
            "select * from two_way_runs where sync = ? order by started_at desc limit 1", [SYNC]
        ).fetchone()


def test_unmatched_records_get_their_counterpart_once(sp: SyncProject) -> None:
    _with_create(sp)
    sp.sync(SYNC)
    first = _run(sp)
    assert first["status"] == "succeeded", dict(first)
    assert first["created_map"] > 0 and first["created_crm"] > 0, dict(first)
    with sp.state() as con:
        created = con.execute(
            "select map_id, crm_object, crm_id from two_way_links where sync = ? "
            "and linked_by = 'created' and status = 'active'",
            [SYNC],
        ).fetchall()
    assert len(created) == first["created_map"] + first["created_crm"]
    links = pa.table({"map_id": [r[0] for r in created], "crm_id": [r[2] for r in created]})
    with sp.world() as world:
        world.register("links", links)
        pairs = world.execute(
            'select lower(trim(h.email)), lower(trim(coalesce(l."Email", c."Email"))), '
            'h.firstname, coalesce(l."FirstName", c."FirstName"), h.hs_email_optout, '
            'coalesce(l."HasOptedOutOfEmail", c."HasOptedOutOfEmail") from links '
            "join hubspot_contacts h on h.id = cast(links.map_id as bigint) "
            'left join salesforce_lead l on l."Id" = links.crm_id '
            'left join salesforce_contact c on c."Id" = links.crm_id',
        ).fetchall()
        leads_per_email = dict(world.execute(
            'select lower(trim("Email")), count(*) from salesforce_lead where not "IsDeleted" '
            "group by 1"
        ).fetchall())  # fmt: skip
    assert len(pairs) == len(created)
    for hub_email, crm_email, hub_first, crm_first, hub_out, crm_out in pairs:
        assert hub_email == crm_email and (hub_first or None) == (crm_first or None)
        assert (hub_out == "true") == crm_out  # opt-outs made through the preferences API

    sp.project.roundtrip("load", "hubspot", "salesforce")
    sp.project.roundtrip("transform")
    sp.sync(SYNC)
    second = _run(sp)
    # nothing made twice: the first run's links stand, no Lead is created again; a HubSpot
    # contact may still be made for a Lead whose email the first run's `crm_wins` write took
    # away from the contact it shared it with (it has no counterpart any more)
    assert second["created_crm"] == 0, dict(second)
    with sp.state() as con:
        still = con.execute(
            "select map_id, crm_object, crm_id from two_way_links where sync = ? "
            "and linked_by = 'created' and status = 'active'",
            [SYNC],
        ).fetchall()
    assert set(created) <= set(still)
    assert len(still) == len(created) + second["created_map"]
    assert len({crm_id for _, _, crm_id in still}) == len(still)
    with sp.world() as world:
        after = dict(world.execute(
            'select lower(trim("Email")), count(*) from salesforce_lead where not "IsDeleted" '
            "group by 1"
        ).fetchall())  # fmt: skip
    assert after == leads_per_email
