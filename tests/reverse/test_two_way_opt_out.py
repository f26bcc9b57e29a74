"""The email opt-out on the sandbox (compliance: an opt-out on either side always wins): the
generated opt-outs found on one side only cross at the first sync; a new opt-out on each side
crosses once (HubSpot's through the Communication Preferences API, never as a property write); a
later opt-in in Salesforce does not undo it (set back, the conflict kept); nothing is sent again."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

import pytest

from sandbox import edits
from sandbox.state import WorldInfo
from tests.reverse.conftest import SyncProject

pytestmark = pytest.mark.slow

SYNC = "contacts_two_way"
SF_TABLE = {"Lead": "salesforce_lead", "Contact": "salesforce_contact"}


def _round(sp: SyncProject) -> dict[str, Any]:
    sp.project.roundtrip("load", "hubspot", "salesforce")
    sp.project.roundtrip("transform")
    sp.project.roundtrip("sync", SYNC)
    return _last_run(sp)


def _last_run(sp: SyncProject) -> dict[str, Any]:
    with sp.state() as con:
        con.row_factory = sqlite3.Row
        row = con.execute(
            "select * from two_way_runs where sync = ? order by started_at desc limit 1", [SYNC]
        ).fetchone()
    return dict(row)


def _opt_outs(sp: SyncProject) -> dict[str, tuple[str, bool | None, str | None]]:
    """map id → (crm id, Salesforce HasOptedOutOfEmail, HubSpot hs_email_optout) of every link."""
    with sp.state() as con:
        links = con.execute(
            "select map_id, crm_object, crm_id from two_way_links where sync = ? "
            "and status = 'active'",
            [SYNC],
        ).fetchall()
    out = {}
    with sp.world() as world:
        hub = dict(
            world.execute(
                "select CAST(id AS VARCHAR), hs_email_optout from hubspot_contacts"
            ).fetchall()
        )
        crm = {
            obj: dict(world.execute(f'select "Id", "HasOptedOutOfEmail" from {table}').fetchall())
            for obj, table in SF_TABLE.items()
        }
    for map_id, obj, crm_id in links:
        out[map_id] = (crm_id, crm[obj].get(crm_id), hub.get(map_id), obj)
    return out  # type: ignore[return-value]


def test_opt_outs_cross_once_and_an_opt_in_does_not_undo_them(sp: SyncProject) -> None:
    before = _opt_outs_by_world(sp)
    sp.project.roundtrip("sync", SYNC)
    first = _last_run(sp)
    assert first["status"] == "succeeded", first
    links = _opt_outs(sp)
    one_sided = [m for m, (c, _, _, _) in links.items() if before.get((m, c)) == "one side"]
    assert one_sided, "the generator opts some people out on one side only"
    for map_id, (_, crm, hub, _) in links.items():  # an opt-out on either side is on both now
        assert (crm is True) == (hub == "true"), (map_id, crm, hub)
    quiet = _round(sp)
    assert (quiet["to_map"], quiet["to_crm"], quiet["requests"]) == (0, 0, 0), quiet

    paths = sp.project.sandbox
    now = WorldInfo.read(paths).now.replace(tzinfo=None)
    clear = sorted(m for m, (_, crm, hub, _) in links.items() if crm is False and hub == "false")
    in_hubspot, in_salesforce = clear[0], clear[1]
    edits.edit(paths, "hubspot", "contacts", in_hubspot, "hs_email_optout", "true",
               now - timedelta(minutes=3))  # fmt: skip
    _, _, _, obj = links[in_salesforce]
    edits.edit(paths, "salesforce", obj, links[in_salesforce][0], "HasOptedOutOfEmail", True,
               now - timedelta(minutes=3))  # fmt: skip
    with sp.world() as world:
        unsubscribed_before = world.execute(
            "select count(*) from hubspot_unsubscribed_all"
        ).fetchone()[0]
    run = _round(sp)
    assert (run["status"], run["to_map"], run["to_crm"]) == ("succeeded", 1, 1), run
    after = _opt_outs(sp)
    assert after[in_hubspot][1:3] == (True, "true") and after[in_salesforce][1:3] == (True, "true")
    with sp.world() as world:
        email = world.execute(
            "select lower(trim(email)) from hubspot_contacts where id = ?", [int(in_salesforce)]
        ).fetchone()[0]
        unsubscribed = world.execute("select email from hubspot_unsubscribed_all").fetchall()
    assert (email,) in unsubscribed and len(unsubscribed) == unsubscribed_before + 1

    # an opt-in made in Salesforce: HubSpot still says opted out, so the opt-out is set back
    now = WorldInfo.read(paths).now.replace(tzinfo=None)
    edits.edit(paths, "salesforce", links[in_hubspot][3], links[in_hubspot][0],
               "HasOptedOutOfEmail", False, now - timedelta(minutes=2))  # fmt: skip
    run = _round(sp)
    assert (run["to_map"], run["to_crm"]) == (0, 1), run
    assert _opt_outs(sp)[in_hubspot][1:3] == (True, "true")
    with sp.state() as con:
        rules = con.execute(
            "select rule from sync_conflicts where run_id = ? and map_id = ?",
            [run["run_id"], in_hubspot],
        ).fetchall()
    assert rules == [("opt-out wins",)]
    still = _round(sp)  # the writes read back are not changes: nothing is sent
    assert (still["to_map"], still["to_crm"], still["requests"]) == (0, 0, 0), still


def _opt_outs_by_world(sp: SyncProject) -> dict[tuple[str, str], str]:
    """(HubSpot id, Salesforce id) → 'one side' for the pairs of one person whose opt-outs differ
    as generated (paired through HubSpot's own Salesforce link fields)."""
    with sp.world() as world:
        rows = world.execute(
            """select CAST(h.id AS VARCHAR), s."Id" from hubspot_contacts h
               join (select "Id", "HasOptedOutOfEmail" from salesforce_lead
                     union all select "Id", "HasOptedOutOfEmail" from salesforce_contact) s
                 on s."Id" in (h.salesforceleadid, h.salesforcecontactid)
               where (h.hs_email_optout = 'true') != s."HasOptedOutOfEmail" """
        ).fetchall()
    return {(h, s): "one side" for h, s in rows}
