"""Two-way sync converges on the sandbox: seeded random edits on both sides (the same field on
both sides between runs, settled by when each value was set even when the record was touched
later, owner overrides, opt-outs on either side and an opt-in that does not undo one, a delete, a
Lead conversion), several rounds of load → transform → sync, one of them real-time (the edits'
events applied at once, no load). Both sides end as the policy dictates, every losing value is in
`sync_conflicts`, each change costs one field write, and a round without edits sends nothing (a
value Roundtrip wrote, read back by the next load, is not sent again: no echo)."""

from __future__ import annotations

import random
import sqlite3
from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pytest

from sandbox import edits
from sandbox.state import WorldInfo
from tests.reverse.conftest import SyncProject

pytestmark = pytest.mark.slow

SYNC = "contacts_two_way"
# (HubSpot property, Salesforce field per object), all `both` / newest in the shipped spec
BOTH = [
    ("firstname", {"Lead": "FirstName", "Contact": "FirstName"}),
    ("lastname", {"Lead": "LastName", "Contact": "LastName"}),
    ("phone", {"Lead": "Phone", "Contact": "Phone"}),
    ("jobtitle", {"Lead": "Title", "Contact": "Title"}),
    ("country", {"Lead": "Country", "Contact": "MailingCountry"}),
]
SF_TABLE = {"Lead": "salesforce_lead", "Contact": "salesforce_contact"}


def _event_round(
    sp: SyncProject, changes: list[tuple[str, str, datetime]], monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """The real-time path: the edited records' events applied as `roundtrip serve`'s inbox
    worker applies them (both sides read live, written, state committed), no load between."""
    from connectors.hubspot import HubSpotClient
    from connectors.salesforce import SalesforceClient
    from roundtrip.endpoints import open_endpoints
    from roundtrip.settings import load_settings
    from roundtrip.stages.two_way import event_specs, event_sync

    for key, value in sp.project.env.items():
        monkeypatch.setenv(key, value)
    settings = load_settings(sp.project.root)
    with ExitStack() as stack:
        endpoints = {
            e.system: e
            for e in stack.enter_context(open_endpoints(settings, ["hubspot", "salesforce"]))
        }
        clients = {
            "hubspot": stack.enter_context(HubSpotClient.from_endpoint(endpoints["hubspot"])),
            "salesforce": stack.enter_context(SalesforceClient.from_endpoint(endpoints["salesforce"])),
        }  # fmt: skip
        events = event_sync(settings, event_specs(settings), clients)
        stack.callback(events.close)
        results = events.apply(changes)
    assert all(r.error is None for r in results.values()), results
    run = sp.last_two_way_run(SYNC)
    assert run["path"] == "event", run
    return run


def _state(sp: SyncProject) -> sqlite3.Connection:
    con = sp.state()
    con.row_factory = sqlite3.Row
    return con


def _links(sp: SyncProject) -> dict[str, tuple[str, str]]:
    with _state(sp) as con:
        rows = con.execute(
            "select map_id, crm_object, crm_id from two_way_links where sync = ? and status = 'active'",
            [SYNC],
        ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def _values(sp: SyncProject, map_id: str, crm: tuple[str, str], prop: str, fields: dict[str, str]):
    obj, crm_id = crm
    with sp.world() as world:
        hub = world.execute(
            f"select {prop} from hubspot_contacts where id = ?", [int(map_id)]
        ).fetchone()[0]
        sf = world.execute(
            f'select "{fields[obj]}" from {SF_TABLE[obj]} where "Id" = ?', [crm_id]
        ).fetchone()[0]
    return hub, sf


def _hubspot_writes(sp: SyncProject) -> dict[tuple[int, str], int]:
    with sp.world() as world:
        rows = world.execute(
            "select object_id, property, count(*) from hubspot_property_history group by 1, 2"
        ).fetchall()
    return {(r[0], r[1]): r[2] for r in rows}


def _opt_outs(sp: SyncProject, links: dict[str, tuple[str, str]]) -> dict[str, tuple[str, bool]]:
    """map id → (HubSpot hs_email_optout, Salesforce HasOptedOutOfEmail) of every link."""
    with sp.world() as world:
        hub = dict(
            world.execute(
                "select CAST(id AS VARCHAR), hs_email_optout from hubspot_contacts"
            ).fetchall()
        )
        crm = {obj: dict(world.execute(f'select "Id", "HasOptedOutOfEmail" from {table}').fetchall())
               for obj, table in SF_TABLE.items()}  # fmt: skip
    return {m: (hub.get(m), crm[obj].get(crm_id)) for m, (obj, crm_id) in links.items()}


def _one_sided_opt_outs(sp: SyncProject) -> int:
    """People the generator opted out on one side only (paired by HubSpot's own link fields)."""
    with sp.world() as world:
        return world.execute(
            """select count(*) from hubspot_contacts h
               join (select "Id", "HasOptedOutOfEmail" from salesforce_lead
                     union all select "Id", "HasOptedOutOfEmail" from salesforce_contact) s
                 on s."Id" in (h.salesforceleadid, h.salesforcecontactid)
               where (h.hs_email_optout = 'true') != s."HasOptedOutOfEmail" """
        ).fetchone()[0]


def test_seeded_edits_on_both_sides_converge_as_the_policy_dictates(
    sp: SyncProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(14)
    assert _one_sided_opt_outs(sp) > 0, "the generator opts some people out on one side only"
    sp.project.roundtrip("sync", SYNC)  # the first sync: links, fills and the first reconciliation
    first = sp.last_two_way_run(SYNC)
    assert first["status"] == "succeeded" and first["links"] > 1000
    for map_id, (hub, crm) in _opt_outs(sp, _links(sp)).items():  # opted out on one: on both
        assert (hub == "true") == (crm is True), (map_id, hub, crm)
    quiet = sp.two_way_round(
        SYNC
    )  # the writes read back by the next load are not changes (no echo)
    assert (quiet["to_map"], quiet["to_crm"], quiet["requests"]) == (0, 0, 0), quiet
    with _state(sp) as con:  # every link is settled: the next run decides only what changed
        settled = con.execute("select count(*) from two_way_seen where sync = ?", [SYNC])
        assert settled.fetchone()[0] == quiet["links"]

    # edits fall within the loads' cursor overlap (5 minutes before the last change loaded): the
    # world clock stands still between advances, and the syncs' writes are stamped with it.
    # Round 2 goes through the real-time path (the edits' events), the others are scheduled:
    # each must find the other's work done.
    # Each round also opts one person out in HubSpot and one in Salesforce, and opts the previous
    # round's HubSpot opt-out back in on Salesforce: the opt-out is set back (it always wins).
    paths = sp.project.sandbox
    opted_in_hubspot: str | None = None
    for round_no in range(1, 4):
        now = WorldInfo.read(paths).now.replace(tzinfo=None)
        links = _links(sp)
        opt_outs = _opt_outs(sp, links)
        clear = [m for m, (hub, crm) in sorted(opt_outs.items()) if hub != "true" and not crm]
        opt_hub, opt_crm = rng.sample([m for m in clear if m != opted_in_hubspot], 2)
        chosen = rng.sample(sorted(set(links) - {opt_hub, opt_crm, opted_in_hubspot}), 24)
        expected: dict[tuple[str, str], tuple[Any, Any, dict[str, str]]] = {}  # → (hub, sf, …)
        both_sides: dict[tuple[str, str], tuple[str, str]] = {}  # → (losing value, rule)
        changes: list[tuple[str, str, datetime]] = []  # (side, record id, when) as events
        opt_out = {"Lead": "HasOptedOutOfEmail", "Contact": "HasOptedOutOfEmail"}
        edits.edit(paths, "hubspot", "contacts", opt_hub, "hs_email_optout", "true",
                   now - timedelta(minutes=3))  # fmt: skip
        obj, crm_id = links[opt_crm]
        edits.edit(paths, "salesforce", obj, crm_id, "HasOptedOutOfEmail", True,
                   now - timedelta(minutes=3))  # fmt: skip
        changes += [("map", opt_hub, now), ("crm", crm_id, now)]
        for map_id in (opt_hub, opt_crm):
            expected[(map_id, "hs_email_optout")] = ("true", True, opt_out)
        if opted_in_hubspot is not None:
            obj, crm_id = links[opted_in_hubspot]
            edits.edit(paths, "salesforce", obj, crm_id, "HasOptedOutOfEmail", False,
                       now - timedelta(minutes=2))  # fmt: skip
            changes.append(("crm", crm_id, now))
            expected[(opted_in_hubspot, "hs_email_optout")] = ("true", True, opt_out)
            both_sides[(opted_in_hubspot, "hs_email_optout")] = ("false", "opt-out wins")
        crossings = len(expected)
        for n, map_id in enumerate(chosen):
            obj, crm_id = links[map_id]
            prop, fields = BOTH[rng.randrange(len(BOTH))]
            value = f"R{round_no}-{rng.randrange(10**6)}"
            # 0: HubSpot only, 1: Salesforce only, 2: both (either newer), 3: both, the HubSpot
            # value older but its contact touched last (a score write): field times decide
            case = n % 4
            hub_minutes = 4 if case == 3 else 3
            if case in (0, 2, 3):
                edits.edit(paths, "hubspot", "contacts", map_id, prop, value,
                           now - timedelta(minutes=hub_minutes))  # fmt: skip
            if case in (1, 2, 3):
                other = value if case == 1 else f"{value}-crm"
                crm_minutes = rng.choice([2, 4]) if case == 2 else 3  # newer or older
                edits.edit(paths, "salesforce", obj, crm_id, fields[obj], other,
                           now - timedelta(minutes=crm_minutes))  # fmt: skip
            if case == 3:
                edits.edit(paths, "hubspot", "contacts", map_id, "lead_score", "50",
                           now - timedelta(minutes=1))  # fmt: skip
            if case != 1:
                changes.append(("map", map_id, now))
            if case != 0:
                changes.append(("crm", crm_id, now))
            if case in (2, 3):
                winner = f"{value}-crm" if crm_minutes < hub_minutes else value
                loser = value if winner != value else f"{value}-crm"
                both_sides[(map_id, prop)] = (loser, "newest")
            else:
                winner = value
            expected[(map_id, prop)] = (winner, winner, fields)
            crossings += 1
        before = _hubspot_writes(sp)
        run = _event_round(sp, changes, monkeypatch) if round_no == 2 else sp.two_way_round(SYNC)
        assert run["status"] == "succeeded", run
        assert run["to_map"] + run["to_crm"] == crossings, run  # one field write per change
        for (map_id, prop), (hub, sf, fields) in expected.items():
            assert _values(sp, map_id, links[map_id], prop, fields) == (hub, sf), (map_id, prop)
        after = _hubspot_writes(sp)
        assert all(after[k] - before.get(k, 0) <= 1 for k in after)
        with _state(sp) as con:
            conflicts = {
                (r["map_id"], r["field"]): (r["map_value"], r["crm_value"], r["winner"], r["rule"])
                for r in con.execute(
                    "select * from sync_conflicts where run_id = ?", [run["run_id"]]
                ).fetchall()
            }
        assert set(conflicts) == set(both_sides)
        for key, (loser, expected_rule) in both_sides.items():
            map_value, crm_value, winner, rule = conflicts[key]
            assert rule == expected_rule and loser in (map_value, crm_value)
            assert (map_value if winner == "crm" else crm_value) == loser
        with sp.world() as world:  # HubSpot's opt-out went through the preferences API
            unsubscribed = {
                r[0] for r in world.execute("select email from hubspot_unsubscribed_all").fetchall()
            }
            email = world.execute(
                "select lower(trim(email)) from hubspot_contacts where id = ?", [int(opt_crm)]
            ).fetchone()[0]
        assert email in unsubscribed
        opted_in_hubspot = opt_hub

    still = sp.two_way_round(SYNC)
    assert (still["to_map"], still["to_crm"], still["requests"]) == (0, 0, 0), still


def test_delete_retires_the_link_and_conversion_re_points_it(sp: SyncProject) -> None:
    sp.project.roundtrip("sync", SYNC)
    links = _links(sp)
    leads = sorted(m for m, (obj, _) in links.items() if obj == "Lead")
    deleted, converted = leads[0], leads[1]
    paths = sp.project.sandbox
    now = WorldInfo.read(paths).now.replace(tzinfo=None)
    hub_before, _ = _values(sp, deleted, links[deleted], "phone", BOTH[2][1])
    edits.delete(paths, "salesforce", "Lead", links[deleted][1], now)
    contact_id = edits.convert_lead(paths, links[converted][1], now)
    run = sp.two_way_round(SYNC)
    assert (run["to_map"], run["to_crm"]) == (0, 0), run  # the new Contact holds the same values
    after = _links(sp)
    assert deleted not in after and after[converted] == ("Contact", contact_id)
    with _state(sp) as con:
        reason = con.execute(
            "select reason from two_way_links where sync = ? and map_id = ?", [SYNC, deleted]
        ).fetchone()[0]
        by = con.execute(
            "select linked_by from two_way_links where sync = ? and map_id = ?", [SYNC, converted]
        ).fetchone()[0]
    assert reason == f"Salesforce Lead {links[deleted][1]} deleted or merged"
    assert by == "lead conversion"
    assert (
        _values(sp, deleted, after.get(deleted, links[deleted]), "phone", BOTH[2][1])[0]
        == hub_before
    )
    with duckdb.connect(str(paths.truth_db), read_only=True) as truth:
        kinds = truth.execute("select kind from record_edits order by kind").fetchall()
    assert kinds == [("convert",), ("delete",)]
