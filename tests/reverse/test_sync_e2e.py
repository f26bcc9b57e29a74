"""The shipped syncs end to end on the sandbox: what the CRM holds after a sync, a second run
that sends nothing, dry runs, and the values read back by the next load."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest

from tests.reverse.conftest import SyncProject

pytestmark = pytest.mark.slow

SHIPPED = ("hubspot_contact_scores", "salesforce_lead_scores", "salesforce_contact_scores")


def _model(sp: SyncProject, system: str, obj: str) -> dict[str, tuple]:
    with duckdb.connect(str(sp.project.warehouse / "roundtrip.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select crm_record_id, lead_score, lead_tier, fit_score, engagement_score, "
            "last_engagement_date from marts.crm_record_scores where crm_system = ? and crm_object = ?",
            [system, obj],
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_shipped_syncs_write_every_score_then_send_nothing(sp: SyncProject) -> None:
    dry = sp.project.roundtrip("sync", "--dry-run")
    assert "sample updates" in dry.stdout
    with sp.world() as world:
        assert world.execute("select count(*) from hubspot_property_history").fetchone()[0] == 0
    assert sp.state().execute("select count(*) from sync_runs").fetchone()[0] == 0

    sp.project.roundtrip("sync")
    hubspot = _model(sp, "hubspot", "contacts")
    leads = _model(sp, "salesforce", "Lead")
    with sp.world() as world:
        crm = {
            str(r[0]): r[1:]
            for r in world.execute(
                "select id, lead_score, lead_tier, fit_score, engagement_score, last_engagement_date "
                "from hubspot_contacts"
            ).fetchall()
        }
        sf = {
            r[0]: r[1:]
            for r in world.execute(
                'select "Id", "Lead_Score__c", "Lead_Tier__c", "Fit_Score__c", '
                '"Engagement_Score__c", "Last_Engagement_Date__c" from salesforce_lead'
            ).fetchall()
        }
    assert hubspot and leads
    for key, (score, tier, fit, engagement, last) in hubspot.items():
        assert crm[key][:2] == (str(score), tier), key
        assert float(crm[key][2]) == fit and float(crm[key][3]) == engagement
        assert crm[key][4] == (last.isoformat() if last else None)
    for key, (score, tier, fit, engagement, last) in leads.items():
        assert sf[key] == (score, tier, fit, engagement, last), key
    for sync in SHIPPED:
        run = sp.last_run(sync)
        assert run["status"] == "succeeded" and run["rejected"] == 0
        assert run["accepted"] == run["planned"] > 0
    assert sp.last_run("hubspot_contact_scores")["requests"] == -(-len(hubspot) // 100)

    sp.project.roundtrip("sync")
    for sync in SHIPPED:
        run = sp.last_run(sync)
        assert (run["planned"], run["sent"], run["requests"]) == (0, 0, 0), run


def test_next_load_reads_the_scores_back_and_overwrites_are_repaired(sp: SyncProject) -> None:
    sp.project.roundtrip("sync", "hubspot_contact_scores")
    accepted = sp.last_run("hubspot_contact_scores")["accepted"]
    with sp.world_rw() as world:  # a CRM user overwrites three scores
        overwritten = [
            str(r[0])
            for r in world.execute(
                "update hubspot_contacts set lead_score = '99', updated_at = "
                "(select max(updated_at) from hubspot_contacts) "
                "where id in (select id from hubspot_contacts where lead_score is not null "
                "order by id limit 3) returning id"
            ).fetchall()
        ]
    sp.project.roundtrip("load", "hubspot")
    with duckdb.connect(str(sp.project.warehouse / "roundtrip.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from reverse.sync_runs").fetchone()[0] == 1  # mirrored

    # the dry run plans the repairs the real run makes (and leaves the state alone)
    dry = sp.project.roundtrip("sync", "--dry-run", "hubspot_contact_scores")
    planned = [line for line in dry.stdout.splitlines() if line.startswith("  {'key'")]
    assert sorted(line.split("'")[3] for line in planned) == sorted(overwritten), dry.stdout
    result = sp.project.roundtrip("sync", "hubspot_contact_scores")
    run = sp.last_run("hubspot_contact_scores")
    assert (run["checked"], run["mismatched"]) == (accepted, 3)
    assert (run["planned"], run["accepted"]) == (3, 3)  # only the overwritten records are re-sent
    assert "no longer hold the value the CRM accepted" in result.stdout
    mismatches = sp.state().execute("select key, field, crm_value from sync_mismatches").fetchall()
    assert sorted(m[0] for m in mismatches) == sorted(overwritten)
    assert {(m[1], float(m[2])) for m in mismatches} == {("lead_score", 99.0)}
    with sp.world() as world:
        restored = world.execute(
            f"select count(*) from hubspot_contacts where id in ({', '.join(overwritten)}) "
            "and lead_score != '99'"
        ).fetchone()[0]
    assert restored == 3
    health = sp.project.roundtrip("health", "reverse_sync_roundtrip", check=False)
    assert health.returncode == 1, health.stdout + health.stderr  # a Low warning
    with sqlite3.connect(sp.project.warehouse / "state" / "monitor.sqlite") as monitor:
        found = monitor.execute(
            "select status, value, message from check_results "
            "where check_name = 'reverse_sync_roundtrip' and subject = 'hubspot_contact_scores'"
        ).fetchall()
    assert [(status, value) for status, value, _ in found] == [("warn", 3)]
    assert f"3 of {accepted:,} records" in found[0][2]
