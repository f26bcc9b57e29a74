"""`roundtrip serve` end to end on the sandbox: people submit forms and click e-mails in real
time, every accepted event reaches Salesforce once in effect, health measures the latency, and a
kill -9 mid-burst loses and duplicates nothing."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from monitor.history import connect_history, read_results
from monitor.results import CheckResult
from sandbox.control import down
from tests.conftest import Project
from tests.realtime.serve_support import (
    Serve,
    all_applied,
    free_port,
    inbox,
    leads_per_email,
    sandbox_running,
    truth,
    wait_until,
    world,
)
from warehouse.location import WarehousePaths

pytestmark = pytest.mark.slow


def latency_result(project: Project) -> CheckResult:
    con = connect_history(WarehousePaths(project.warehouse))
    try:
        (stored,) = [
            s for s in read_results(con, last_runs=1) if s.result.check == "lead_flow_latency"
        ]
    finally:
        con.close()
    return stored.result


FAST_RETRIES = {"ROUNDTRIP_SANDBOX_WEBHOOK_RETRY_SCALE": "0.01"}  # HubSpot's 1 min → 0.6 s


def created_leads(project: Project) -> int:
    con = inbox(project)
    try:
        return con.execute(
            "select count(*) from inbox where result like '%Lead % created%'"
        ).fetchone()[0]
    finally:
        con.close()


def polled_leads(project: Project) -> int:
    """Leads the Salesforce poll saw that the flows created (their ids are in the results)."""
    con = inbox(project)
    try:
        return con.execute(
            "select count(distinct p.record_key) from inbox p join inbox f on f.result like "
            "'%Lead ' || replace(p.record_key, 'salesforce:lead:', '') || ' created%' "
            "where p.source = 'salesforce' and p.kind = 'lead.changed'"
        ).fetchone()[0]
    finally:
        con.close()


def people_in_salesforce(project: Project) -> set[str]:
    """Lower-cased e-mails of the live Leads and Contacts (read while the stand-ins are down)."""
    with world(project) as con:
        return {r[0] for r in con.execute(
            'select lower(trim("Email")) from salesforce_lead where not "IsDeleted" '
            'union select lower(trim("Email")) from salesforce_contact where not "IsDeleted"'
        ).fetchall()}  # fmt: skip


def api_writes_reach_the_inbox_as_subscribed(project: Project) -> None:
    """An integration's write of a subscribed contact property comes back as a signed webhook;
    an unsubscribed one does not (serve itself subscribes to the two-way syncs' properties)."""
    server = json.loads(project.sandbox.server_json.read_text())["urls"]["hubspot"]
    hubspot = json.loads(project.sandbox.credentials_json.read_text())["hubspot"]
    with httpx.Client(base_url=server, timeout=30) as http:
        subscribed = http.post(
            f"/webhooks/v3/{hubspot['app_id']}/subscriptions",
            params={"hapikey": hubspot["developer_api_key"]},
            json={"eventType": "contact.propertyChange", "propertyName": "city", "active": True},
        )
        assert subscribed.status_code == 201, subscribed.text
        written = http.post(
            "/crm/v3/objects/contacts/batch/update",
            headers={"Authorization": f"Bearer {hubspot['access_token']}"},
            json={"inputs": [{"id": "101", "properties": {"city": "Lyon",
                                                          "lifecyclestage": "lead"}}]},
        )  # fmt: skip
        assert written.status_code == 200, written.text

    def delivered() -> list[dict]:
        con = inbox(project)
        try:
            rows = con.execute(
                "select payload from inbox where source = 'hubspot' and record_key = "
                "'hubspot:contact:101' and payload like '%INTEGRATION%'"
            ).fetchall()
        finally:
            con.close()
        return [json.loads(r[0]) for r in rows]

    wait_until(lambda: bool(delivered()), "the API write's webhook in the inbox")
    assert [(e["propertyName"], e["propertyValue"]) for e in delivered()] == [("city", "Lyon")]


def check_salesforce(project: Project, known: set[str], campaigns: bool = True) -> None:
    """What the flows promise, judged against the simulation's truth in the world file: `known`
    are the people in Salesforce before the simulation (a click by someone a later form made a
    Lead of may or may not find them in time)."""
    activities = truth(project)
    website = [t for t in activities if t["source"] == "website" and t["status"] == 202]
    hubspot = [t for t in activities if t["source"] == "hubspot"]
    leads = leads_per_email(project)
    for submission in website:
        assert leads.get(submission["email"].lower()) == 1, submission  # one Lead per person
    with world(project) as con:
        tasks = dict(con.execute(
            'select "Roundtrip_Event_Id__c", count(*) from salesforce_task group by 1'
        ).fetchall())  # fmt: skip
        members = con.execute(
            "select count(*) from salesforce_campaign_member m join salesforce_lead l "
            'on m."LeadId" = l."Id" where l."Email" like \'%.example\''
        ).fetchone()[0]
    assert all(n == 1 for n in tasks.values())
    for activity in hubspot:
        if activity["email"].strip().lower() in known:
            assert tasks.get(f"hubspot:{activity['event_id']}") == 1, activity
    assert members > 0 or not campaigns  # submissions with a utm_campaign joined its Campaign


def test_forms_and_clicks_reach_salesforce_once_and_health_measures_it(
    transformed_project: Project,
) -> None:
    p = transformed_project
    known = people_in_salesforce(p)
    serve = Serve(p, "--salesforce-poll-seconds", "1", **FAST_RETRIES)
    p.roundtrip("sandbox", "simulate", "--events-per-second", "20", "--seconds", "3",
                "--hubspot-share", "0.3", "--seed", "3")  # fmt: skip
    wait_until(lambda: all_applied(p), "every simulated activity to be applied")
    wait_until(lambda: polled_leads(p) >= created_leads(p) > 0,
               "the Salesforce poll to bring every Lead the flows created into the inbox")  # fmt: skip
    health = p.roundtrip("health", "lead_flow_latency", check=False)
    assert health.returncode == 0, health.stdout + health.stderr
    measured = latency_result(p)
    assert measured.value < 5 and "submissions in the last" in measured.message
    api_writes_reach_the_inbox_as_subscribed(p)
    listed = p.roundtrip("events", "list", "--status", "done", "--limit", "5")
    assert "Event inbox: done" in listed.stdout and "lead.changed" in listed.stdout
    assert serve.stop() == 0
    assert not (p.warehouse / "state" / "serve.json").exists()
    wait_until(lambda: not sandbox_running(p), "the sandbox started by serve to stop")
    check_salesforce(p, known)
    credentials = json.loads(p.sandbox.credentials_json.read_text())
    secrets = [credentials["hubspot"]["client_secret"], credentials["website"]["form_secret"],
               credentials["hubspot"]["developer_api_key"]]  # fmt: skip
    logs = (p.root / "serve.log").read_text() + (p.sandbox.root / "server.log").read_text()
    assert not [s for s in secrets if s in logs]

    # serve has been down for 10 minutes: the receiver cannot see what it misses → red
    con = sqlite3.connect(p.warehouse / "state" / "events.sqlite")
    stale = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    con.execute("update heartbeats set last_seen_at = ?", [stale])
    con.commit()
    con.close()
    down_check = p.roundtrip("health", "lead_flow_latency", check=False)
    assert down_check.returncode == 2, down_check.stdout
    stopped = latency_result(p)
    assert stopped.value >= 10 and "`roundtrip serve` last seen 10" in stopped.message
    status = p.roundtrip("status").stdout
    assert "realtime" in status and "serve stopped" in status


def test_kill_minus_nine_mid_burst_loses_and_duplicates_nothing(project: Project) -> None:
    p = project
    known = people_in_salesforce(p)
    port = free_port()  # the website and HubSpot keep posting to one address across restarts
    serve = Serve(p, port=port, **FAST_RETRIES)
    simulation = subprocess.Popen(
        [sys.executable, "-m", "roundtrip", "sandbox", "simulate", "--events-per-second", "25",
         "--seconds", "8", "--hubspot-share", "0.3", "--seed", "11"],
        cwd=p.root, env=p.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    for kill in (1, 2):

        def website_done(n: int = 15 * kill) -> bool:
            con = inbox(p)
            try:
                return (
                    con.execute(
                        "select count(*) from inbox where source = 'website' and status = 'done'"
                    ).fetchone()[0]
                    >= n
                )
            finally:
                con.close()

        wait_until(website_done, f"{15 * kill} applied form posts before kill {kill}")
        serve.kill()  # kill -9: mid-batch, mid-request, whatever it was doing
        serve = Serve(p, port=port, **FAST_RETRIES)
    output, _ = simulation.communicate(timeout=300)
    assert simulation.returncode == 0, output
    posts = [t["status"] for t in truth(p) if t["source"] == "website"]
    assert len(posts) > 100 and set(posts) == {202}, output  # every post got through the kills
    wait_until(lambda: all_applied(p), "every simulated activity to be applied after the kills")
    con = inbox(p)
    dead = con.execute(
        "select count(*), group_concat(last_error) from inbox where status = 'dead'"
    ).fetchone()
    con.close()
    assert dead[0] == 0, dead[1]
    assert serve.stop() == 0
    down(paths=p.sandbox)
    check_salesforce(p, known)


def test_salesforce_down_makes_events_wait_then_apply_once(project: Project) -> None:
    p = project
    known = people_in_salesforce(p)
    serve = Serve(p, "--salesforce-poll-seconds", "0")
    p.roundtrip("sandbox", "faults", "salesforce", "error_rate=1.0", "error_retry_after=0")
    p.roundtrip("sandbox", "simulate", "--events-per-second", "10", "--seconds", "1",
                "--hubspot-share", "0", "--seed", "5")  # fmt: skip

    def waiting_on_salesforce() -> bool:
        con = inbox(p)
        try:
            return (
                con.execute(
                    "select count(*) from inbox where status = 'pending' and last_error like "
                    "'salesforce:%'"
                ).fetchone()[0]
                > 0
            )
        finally:
            con.close()

    wait_until(waiting_on_salesforce, "events to wait, naming Salesforce's failure", timeout=240)
    assert not all_applied(p)
    p.roundtrip("sandbox", "faults", "salesforce", "--clear")
    wait_until(lambda: all_applied(p), "the waiting events to be applied once Salesforce is back")
    assert serve.stop() == 0
    down(paths=p.sandbox)
    check_salesforce(p, known, campaigns=False)


def test_what_sandbox_advance_changed_arrives_as_webhooks_at_the_next_start(
    project: Project,
) -> None:
    p = project
    Serve(p, "--salesforce-poll-seconds", "0").stop()  # subscribes the app, as a developer would
    old_clock = datetime.fromisoformat(json.loads(p.sandbox.world_json.read_text())["now"])
    p.roundtrip("sandbox", "advance", "--days", "1")
    with world(p) as con:
        created = {r[0] for r in con.execute(
            "select id from hubspot_contacts where created_at > ?", [old_clock.replace(tzinfo=None)]
        ).fetchall()}  # fmt: skip
    assert created
    serve = Serve(p, "--salesforce-poll-seconds", "0")

    def delivered() -> set[int]:
        con = inbox(p)
        try:
            rows = con.execute(
                "select payload from inbox where kind = 'contact.creation'"
            ).fetchall()
        finally:
            con.close()
        return {json.loads(r[0])["objectId"] for r in rows}

    wait_until(lambda: delivered() == created, "a contact.creation webhook per new contact")
    assert serve.stop() == 0
