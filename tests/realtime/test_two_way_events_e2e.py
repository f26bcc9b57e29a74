"""Two-way sync in real time, over loopback HTTP with `roundtrip serve` running: a marketer's
edit in HubSpot reaches Salesforce through the signed `contact.propertyChange` webhook, a sales
rep's edit in Salesforce reaches HubSpot through the SystemModstamp poll, each costs one field
write, the echo of each write plans nothing, and the scheduled sync after load + transform finds
nothing to send (the two paths share the link and field state)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest

from connectors.hubspot import HubSpotClient
from connectors.salesforce import SalesforceClient
from roundtrip.endpoints import open_endpoints
from roundtrip.settings import load_settings
from tests.conftest import Project
from tests.realtime.serve_support import Serve, inbox, wait_until
from tests.reverse.conftest import SyncProject

pytestmark = pytest.mark.slow

SYNC = "contacts_two_way"
FAST_RETRIES = {"ROUNDTRIP_SANDBOX_WEBHOOK_RETRY_SCALE": "0.01"}


@pytest.fixture
def sp(transformed_project: Project) -> SyncProject:
    return SyncProject(transformed_project)


def _state(sp: SyncProject) -> sqlite3.Connection:
    return sqlite3.connect(sp.project.warehouse / "state" / "reverse.sqlite", timeout=30)


def _links(sp: SyncProject) -> dict[str, tuple[str, str]]:
    with _state(sp) as con:
        rows = con.execute(
            "select map_id, crm_object, crm_id from two_way_links where sync = ? "
            "and status = 'active' order by map_id",
            [SYNC],
        ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def _event_writes(sp: SyncProject) -> tuple[int, int, int]:
    with _state(sp) as con:
        row = con.execute(
            "select count(*), coalesce(sum(to_map), 0), coalesce(sum(to_crm), 0) "
            "from two_way_runs where sync = ? and path = 'event'",
            [SYNC],
        ).fetchone()
    return row[0], row[1], row[2]


def _finished(sp: SyncProject, record_key: str, result: str) -> Callable[[], bool]:
    def check() -> bool:
        con = inbox(sp.project)
        try:
            rows = con.execute(
                "select status, result from inbox where record_key = ?", [record_key]
            ).fetchall()
        finally:
            con.close()
        return any(status == "done" and result in (text or "") for status, text in rows)

    return check


def test_edits_on_either_side_cross_in_real_time_once_without_echo(
    sp: SyncProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = sp.project
    p.roundtrip("sync", SYNC)  # the first (scheduled) sync links the records
    links = _links(sp)
    lead = next(m for m, (obj, _) in links.items() if obj == "Lead")
    contact = next(m for m, (obj, _) in links.items() if obj == "Contact")
    for key, value in p.env.items():
        monkeypatch.setenv(key, value)
    serve = Serve(p, "--salesforce-poll-seconds", "1", **FAST_RETRIES)
    settings = load_settings(p.root)
    with open_endpoints(settings, ["hubspot", "salesforce"]) as endpoints:
        by_system = {e.system: e for e in endpoints}
        with (
            HubSpotClient.from_endpoint(by_system["hubspot"]) as hubspot,
            SalesforceClient.from_endpoint(by_system["salesforce"]) as salesforce,
        ):

            def salesforce_value(map_id: str, name: str) -> object:
                obj, crm_id = links[map_id]
                (page,) = list(salesforce.query(f"SELECT {name} FROM {obj} WHERE Id = '{crm_id}'"))
                return page[0][name]

            def hubspot_value(map_id: str, name: str) -> object:
                (record,) = hubspot.batch_read("contacts", [map_id], [name])
                return record["properties"].get(name)

            # a marketer fixes a phone number in HubSpot
            hubspot.batch_update("contacts", [{"id": lead, "properties": {"phone": "+1 555 0142"}}])
            wait_until(lambda: salesforce_value(lead, "Phone") == "+1 555 0142",
                       "the HubSpot edit to reach the Salesforce Lead")  # fmt: skip
            # a sales rep changes a title in Salesforce
            obj, crm_id = links[contact]
            (result,) = salesforce.collection_update(
                [{"attributes": {"type": obj}, "id": crm_id, "Title": "VP Growth 14"}]
            )
            assert result["success"], result
            wait_until(lambda: hubspot_value(contact, "jobtitle") == "VP Growth 14",
                       "the Salesforce edit to reach HubSpot")  # fmt: skip
            # the echoes come back (the poll sees the Lead write, HubSpot sends the webhook of
            # the jobtitle write) and find both sides equal
            wait_until(_finished(sp, f"salesforce:lead:{links[lead][1]}", "both sides agree"),
                       "the echo of the Salesforce write to be applied")  # fmt: skip
            wait_until(_finished(sp, f"hubspot:contact:{contact}", "both sides agree"),
                       "the echo of the HubSpot write to be applied")  # fmt: skip
    assert serve.stop() == 0
    runs, to_map, to_crm = _event_writes(sp)
    assert runs > 0 and (to_map, to_crm) == (1, 1), (runs, to_map, to_crm)
    with _state(sp) as con:
        agreed = dict(con.execute(
            "select map_id || '.' || field, value from two_way_fields where sync = ? and "
            "map_id in (?, ?)", [SYNC, lead, contact],
        ).fetchall())  # fmt: skip
    assert agreed[f"{lead}.phone"] == "+1 555 0142"
    assert agreed[f"{contact}.jobtitle"] == "VP Growth 14"

    p.roundtrip("load", "hubspot", "salesforce")
    p.roundtrip("transform")
    p.roundtrip("sync", SYNC)  # the scheduled path sees what the events did: nothing to send
    with _state(sp) as con:
        last = con.execute(
            "select to_map, to_crm, requests from two_way_runs where sync = ? and "
            "path = 'scheduled' order by started_at desc limit 1",
            [SYNC],
        ).fetchone()
    assert tuple(last) == (0, 0, 0), last
