"""kill -9 of a two-way sync after HubSpot accepted its writes and before Salesforce answered:
the rerun converges, no field is written more than twice for one change, and the next run
after a load sends nothing (field state changes only with the vendors' answers)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import timedelta

import httpx
import pytest

from sandbox import control, edits
from sandbox.state import WorldInfo
from tests.realtime.serve_support import wait_until
from tests.reverse.conftest import SyncProject

pytestmark = pytest.mark.slow

SYNC = "contacts_two_way"
SF_FIELD = {"Lead": ("salesforce_lead", "Phone"), "Contact": ("salesforce_contact", "Phone")}


def _links(sp: SyncProject) -> dict[str, tuple[str, str]]:
    with sp.state() as con:
        rows = con.execute(
            "select map_id, crm_object, crm_id from two_way_links where sync = ? "
            "and status = 'active' order by map_id",
            [SYNC],
        ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def _history(sp: SyncProject) -> dict[tuple[int, str], int]:
    with sp.world() as world:
        rows = world.execute(
            "select object_id, property, count(*) from hubspot_property_history group by 1, 2"
        ).fetchall()
    return {(r[0], r[1]): r[2] for r in rows}


def _last_run(sp: SyncProject) -> tuple[int, int, int, str]:
    with sp.state() as con:
        return con.execute(
            "select to_map, to_crm, requests, status from two_way_runs where sync = ? "
            "order by started_at desc limit 1",
            [SYNC],
        ).fetchone()


def test_kill_minus_nine_mid_sync_then_rerun_converges(sp: SyncProject) -> None:
    p = sp.project
    p.roundtrip("sync", SYNC)
    links = _links(sp)
    paths = p.sandbox
    at = WorldInfo.read(paths).now.replace(tzinfo=None) - timedelta(minutes=3)
    rng = random.Random(1499)
    titles: dict[str, str] = {}  # HubSpot contact → the title a Salesforce user set
    phones: dict[str, str] = {}  # HubSpot contact → the phone a marketer set
    for n, map_id in enumerate(rng.sample(sorted(links), 40)):
        obj, crm_id = links[map_id]
        if n % 2:
            titles[map_id] = f"Kill-{n}"
            edits.edit(paths, "salesforce", obj, crm_id, "Title", titles[map_id], at)
        else:
            phones[map_id] = f"+1 555 01{n:02d}"
            edits.edit(paths, "hubspot", "contacts", map_id, "phone", phones[map_id], at)
    p.roundtrip("load", "hubspot", "salesforce")
    p.roundtrip("transform")
    before = _history(sp)

    with control.running(paths):
        sp.faults("salesforce", "latency_ms=3000")  # the kill lands while Salesforce thinks
        sync = subprocess.Popen([sys.executable, "-m", "roundtrip", "sync", SYNC], cwd=p.root,
                                env=p.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        url = json.loads(paths.server_json.read_text())["urls"]["hubspot"]
        token = json.loads(paths.credentials_json.read_text())["hubspot"]["access_token"]
        with httpx.Client(base_url=url, timeout=30) as http:

            def hubspot_has_the_titles() -> bool:
                answer = http.post(
                    "/crm/v3/objects/contacts/batch/read",
                    headers={"Authorization": f"Bearer {token}"},
                    json={"inputs": [{"id": m} for m in titles], "properties": ["jobtitle"]},
                ).json()
                held = {r["id"]: r["properties"].get("jobtitle") for r in answer["results"]}
                return held == titles

            wait_until(hubspot_has_the_titles, "HubSpot to accept the sync's writes")
        sync.kill()  # SIGKILL: no cleanup, no commit
        sync.wait(timeout=30)
        sp.faults("salesforce", "latency_ms=0")

    p.roundtrip("sync", SYNC)  # the rerun: what was not committed is sent again, once
    assert _last_run(sp)[3] == "succeeded"
    after = _history(sp)
    for map_id in titles:
        assert after[(int(map_id), "jobtitle")] - before.get((int(map_id), "jobtitle"), 0) <= 2
    with sp.world() as world:
        for map_id, phone in phones.items():
            obj, crm_id = links[map_id]
            table, column = SF_FIELD[obj]
            held = world.execute(f'select "{column}" from {table} where "Id" = ?', [crm_id])
            assert held.fetchone()[0] == phone, map_id
    p.roundtrip("load", "hubspot", "salesforce")
    p.roundtrip("transform")
    p.roundtrip("sync", SYNC)
    assert _last_run(sp)[:3] == (0, 0, 0)
