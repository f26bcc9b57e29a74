"""End to end: `roundtrip load` against the sandbox over loopback HTTP, compared with the world."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from tests.conftest import Project
from tests.pipelines.reconcile import differences
from warehouse.location import WarehousePaths

pytestmark = pytest.mark.slow


def _published(project: Project) -> WarehousePaths:
    return WarehousePaths(project.warehouse)


def _query(project: Project, sql: str) -> list[tuple]:
    with duckdb.connect(str(_published(project).published), read_only=True) as con:
        return con.execute(sql).fetchall()


def _resource_runs(project: Project) -> dict[tuple[str, str], dict]:
    """The latest run's per-resource summary, keyed by (system, resource)."""
    rows = _query(
        project,
        "select system, resource, records, new_records, updated_records, deleted_records, "
        "requests, retries, rejects from monitor.load_resource_runs "
        "where run_id = (select max(run_id) from monitor.load_runs)",
    )
    keys = ("records", "new", "updated", "deleted", "requests", "retries", "rejects")
    return {(r[0], r[1]): dict(zip(keys, r[2:], strict=True)) for r in rows}


def _faults(project: Project, vendor: str, *assignments: str) -> None:
    project.roundtrip("sandbox", "faults", vendor, *assignments)


def test_full_load_equals_the_sandbox_and_a_second_load_is_minimal(project: Project) -> None:
    project.roundtrip("load")
    assert differences(_published(project).published, project.sandbox.world_db) == []
    statuses = _query(project, "select system, status from monitor.load_runs")
    assert {s for _, s in statuses} == {"succeeded"}
    assert len(statuses) == 6
    # each system's extraction starts before the one before it has finished loading
    ((overlapping,),) = _query(
        project,
        "select count(*) from (select started_at, lag(finished_at) over (order by started_at) "
        "as previous_finished from monitor.load_runs) where started_at < previous_finished",
    )
    assert overlapping == 5

    project.roundtrip("load")
    runs = _resource_runs(project)
    # nothing changed in the world: every resource re-reads at most its overlap / lag window
    for (system, resource), stats in runs.items():
        assert stats["new"] == 0, (system, resource, stats)
        assert stats["rejects"] == 0
    assert runs[("hubspot", "contacts")]["requests"] <= 4
    assert runs[("salesforce", "leads")]["requests"] <= 3
    assert differences(_published(project).published, project.sandbox.world_db) == []


def test_incremental_load_picks_up_new_updated_and_deleted_records(project: Project) -> None:
    project.roundtrip("load")
    full = _resource_runs(project)
    project.roundtrip("sandbox", "advance", "--days", "3")
    project.roundtrip("load")
    assert differences(_published(project).published, project.sandbox.world_db) == []
    runs = _resource_runs(project)
    contacts = runs[("hubspot", "contacts")]
    assert contacts["new"] > 0
    assert contacts["updated"] > 0
    assert contacts["deleted"] > 0  # archived contacts are re-read and marked
    assert runs[("salesforce", "leads")]["deleted"] > 0
    # incremental, not a re-read of everything
    assert contacts["records"] < full[("hubspot", "contacts")]["records"] / 3
    assert (
        runs[("hubspot", "email_events")]["records"]
        < full[("hubspot", "email_events")]["records"] / 3
    )


def test_kill_minus_nine_mid_load_then_rerun_loads_every_record_once(project: Project) -> None:
    rng = random.Random(5)
    project.roundtrip("sandbox", "up")
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "roundtrip", "load"],
            cwd=project.root,
            env=project.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(2.0, 6.0))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        project.roundtrip("load")
    finally:
        project.roundtrip("sandbox", "down")
    assert differences(_published(project).published, project.sandbox.world_db) == []
    duplicates = _query(
        project,
        "select (select count(*) - count(distinct id) from raw_hubspot.contacts) + "
        "(select count(*) - count(distinct id) from raw_salesforce.leads) + "
        "(select count(*) - count(distinct id) from raw_hubspot.email_events)",
    )
    assert duplicates == [(0,)]


def test_a_malformed_page_lands_in_rejects_and_the_load_stays_exact(project: Project) -> None:
    _faults(project, "hubspot", "malformed_page=2")
    project.roundtrip("load", "hubspot")
    rejects = _query(project, "select system, resource, reason, payload from monitor.load_rejects")
    assert len(rejects) == 1
    system, _resource, reason, payload = rejects[0]
    assert system == "hubspot"
    assert "malformed" in reason.lower() or "json" in reason.lower()
    assert payload
    counted = _query(project, "select sum(rejects) from monitor.load_resource_runs")
    assert counted == [(1,)]


def test_schema_drift_adds_columns_and_records_type_changes(project: Project) -> None:
    project.roundtrip("load", "hubspot")
    _faults(project, "hubspot", "new_field=favourite_colour", "retype_field=numberofemployees")
    project.roundtrip("load", "hubspot", "--full-refresh")
    changes = _query(project, "select resource, column_name, kind from monitor.schema_changes")
    kinds = {(c, k) for _, c, k in changes}
    assert ("favourite_colour", "new_column") in kinds
    columns = {r[0] for r in _query(project, "describe raw_hubspot.contacts")}
    assert "favourite_colour" in columns


def test_no_secret_appears_in_the_load_output(project: Project) -> None:
    _faults(project, "hubspot", "token_ttl=1")
    result = project.roundtrip("load", "hubspot", "meta_ads")
    credentials = json.loads(project.sandbox.credentials_json.read_text())
    output = result.stdout + result.stderr
    for system in ("hubspot", "meta_ads"):
        for key, value in credentials[system].items():
            if key in ("access_token", "client_secret", "refresh_token"):
                assert value not in output, f"{system}.{key} leaked into the load output"


def test_loading_a_different_world_is_refused(project: Project) -> None:
    project.roundtrip("load", "ga4")
    project.roundtrip("sandbox", "reset", "--seed", "8", "--scale", "S")
    refused = project.roundtrip("load", "ga4", check=False)
    assert refused.returncode == 1
    assert "seed=7" in refused.stderr and "seed=8" in refused.stderr
    assert "--full-refresh" in refused.stderr
    project.roundtrip("load", "--full-refresh")
