"""The fault storm of issue #16's done-means: 30 % 5xx, a burst of rate-limit refusals and
5-second tokens on every vendor, through a full load and the shipped syncs. Both finish exact.

The stand-ins' refusals say how long to wait, as the vendors do, and the clients wait that long:
the 5xx carry `Retry-After: 0` (a 503 may, RFC 9110 §10.2.3) and Meta's regain estimate is a
second (`regain_seconds`, where Meta itself reports whole minutes), so the test spends its time
on the storm's ~40 % extra requests rather than on minutes of backoff (the clients' own backoff
and budgets are tested in tests/connectors/). LinkedIn's and GA4's refusals carry no hint, so
each one of the burst costs an exponential backoff: three of them keep that under ~4 s."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest

from tests.conftest import Project
from tests.pipelines.reconcile import differences
from warehouse.location import WarehousePaths

pytestmark = pytest.mark.slow

VENDORS = ("hubspot", "salesforce", "google_ads", "meta_ads", "linkedin_ads", "ga4")
STORM = (
    "error_rate=0.3",
    "error_retry_after=0",
    "burst_429=3",
    "retry_after=1",
    "regain_seconds=1",
    "token_ttl=5",
    "seed=11",
)
SHIPPED = ("hubspot_contact_scores", "salesforce_lead_scores", "salesforce_contact_scores")


def _sync_runs(paths: WarehousePaths) -> dict[str, sqlite3.Row]:
    con = sqlite3.connect(paths.state_file("reverse"))
    con.row_factory = sqlite3.Row
    try:
        rows = con.execute("select * from sync_runs order by started_at").fetchall()
    finally:
        con.close()
    return {row["sync"]: row for row in rows}


def test_the_load_and_the_sync_ride_out_a_storm_on_every_vendor_exactly(
    project: Project,
) -> None:
    paths = WarehousePaths(project.warehouse)
    for vendor in VENDORS:
        project.roundtrip("sandbox", "faults", vendor, *STORM)

    project.roundtrip("load")
    assert differences(paths.published, project.sandbox.world_db) == []
    with duckdb.connect(str(paths.published), read_only=True) as con:
        retried = dict(
            con.execute(
                "select system, sum(retries) from monitor.load_resource_runs group by system"
            ).fetchall()
        )
    assert all(retried[v] >= 3 for v in VENDORS), retried  # each rode out its burst and 5xx

    project.roundtrip("transform")
    project.roundtrip("sync")  # the stand-ins restart: a new burst on each, same storm

    runs = _sync_runs(paths)
    for sync in SHIPPED:
        run = runs[sync]
        assert (run["status"], run["rejected"]) == ("succeeded", 0), dict(run)
        assert run["accepted"] == run["planned"] > 0, dict(run)
    assert sum(runs[s]["http_retries"] for s in SHIPPED) > 0
    with duckdb.connect(str(paths.published), read_only=True) as con:
        scores = dict(
            con.execute(
                "select crm_object || ':' || crm_record_id, lead_score from marts.crm_record_scores "
                "where crm_object in ('contacts', 'Lead')"
            ).fetchall()
        )
    with duckdb.connect(str(project.sandbox.world_db), read_only=True) as world:
        crm = dict(
            world.execute(
                "select 'contacts:' || id, cast(lead_score as integer) from hubspot_contacts "
                "union all select 'Lead:' || Id, Lead_Score__c from salesforce_lead"
            ).fetchall()
        )
    assert {k: crm.get(k) for k in scores} == scores
