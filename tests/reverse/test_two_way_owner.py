"""The record owner on the sandbox (`type: owner`, Salesforce owns it): HubSpot owners and
Salesforce users are matched by e-mail address; an owner change in Salesforce reaches HubSpot as
the matching owner's id; an owner with no HubSpot counterpart is a reject naming the user, and
HubSpot keeps its owner. Reading the owner table counts in the run's requests, and a run with
nothing to decide reads nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sandbox import edits
from sandbox.state import WorldInfo
from tests.reverse.conftest import SyncProject

pytestmark = pytest.mark.slow

SYNC = "contacts_two_way"
SF_TABLE = {"Lead": "salesforce_lead", "Contact": "salesforce_contact"}


def _owners(sp: SyncProject) -> dict[str, tuple[str, str, str, str | None]]:
    """map id → (object, crm id, the Salesforce owner's e-mail, the HubSpot owner id)."""
    with sp.state() as con:
        links = con.execute(
            "select map_id, crm_object, crm_id from two_way_links where sync = ? "
            "and status = 'active'",
            [SYNC],
        ).fetchall()
    with sp.world() as world:
        hub = dict(
            world.execute(
                "select CAST(id AS VARCHAR), hubspot_owner_id from hubspot_contacts"
            ).fetchall()
        )
        email = dict(world.execute('select "Id", lower("Email") from salesforce_user').fetchall())
        crm = {
            obj: dict(world.execute(f'select "Id", "OwnerId" from {table}').fetchall())
            for obj, table in SF_TABLE.items()
        }
    return {m: (o, c, email[crm[o][c]], hub.get(m)) for m, o, c in links}


def test_an_owner_change_in_salesforce_reaches_hubspot_and_an_unmatched_one_is_rejected(
    sp: SyncProject,
) -> None:
    sp.project.roundtrip("sync", SYNC)
    first = sp.last_two_way_run(SYNC)
    assert (first["status"], first["rejects"]) == ("succeeded", 0), first
    owners = _owners(sp)
    assert all(email == f"owner-{hub}@sandbox.invalid" for _, _, email, hub in owners.values())
    quiet = sp.two_way_round(SYNC)  # nothing to decide: the owner table is not read either
    assert (quiet["to_map"], quiet["to_crm"], quiet["requests"]) == (0, 0, 0), quiet

    with sp.world() as world:
        users = dict(world.execute('select lower("Email"), "Id" from salesforce_user').fetchall())
    leads = sorted(m for m, (obj, *_) in owners.items() if obj == "Lead")
    moved, orphaned = leads[0], leads[1]
    new_owner = next(
        h for h in (f"7100010{n}" for n in range(1, 9)) if h != owners[moved][3]
    )  # a HubSpot owner id the record does not have yet
    paths = sp.project.sandbox
    now = WorldInfo.read(paths).now.replace(tzinfo=None)
    edits.edit(paths, "salesforce", "Lead", owners[moved][1], "OwnerId",
               users[f"owner-{new_owner}@sandbox.invalid"], now - timedelta(minutes=3))  # fmt: skip
    admin = users["admin@sandbox.invalid"]
    edits.edit(paths, "salesforce", "Lead", owners[orphaned][1], "OwnerId", admin,
               now - timedelta(minutes=3))  # fmt: skip
    run = sp.two_way_round(SYNC)
    assert (run["status"], run["to_map"], run["to_crm"]) == ("partial", 1, 0), run
    # one batch update, and one read of each side's owners (the unmatched address re-reads them)
    assert run["requests"] == 3, run
    after = _owners(sp)
    assert after[moved][3] == new_owner
    assert after[orphaned][3] == owners[orphaned][3]  # HubSpot keeps its owner
    with sp.state() as con:
        rejects = con.execute(
            "select field, side, reason from two_way_rejects where sync = ? and map_id = ? "
            "and run_id = ?",
            [SYNC, orphaned, run["run_id"]],
        ).fetchall()
    assert rejects == [
        (
            "hubspot_owner_id",
            "map",
            f"hubspot_owner_id: Salesforce user {admin} (admin@sandbox.invalid) has no HubSpot "
            "owner with the same e-mail address; add one, or change the owner",
        )
    ]
    # no load: the rejected record is looked at again, the moved one holds the agreed value
    sp.project.roundtrip("sync", SYNC)
    again = sp.last_two_way_run(SYNC)
    assert (again["to_map"], again["to_crm"], again["rejects"]) == (0, 0, 1), again
