"""Failures isolated and loud: a vendor down for a whole load alerts at once, the others publish."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest

from monitor.alerts.state import open_alerts
from monitor.history import connect_history, read_results
from monitor.results import CheckResult, Status
from tests.conftest import Project
from warehouse.location import WarehousePaths

pytestmark = pytest.mark.slow


def _open_alerts(paths: WarehousePaths) -> list[tuple[str, str, str]]:
    with sqlite3.connect(paths.state_file("monitor")) as con:
        return [(a.check, a.subject, a.severity.name) for a in open_alerts(con)]


def _last_health(paths: WarehousePaths) -> list[CheckResult]:
    con = connect_history(paths)
    try:
        return [stored.result for stored in read_results(con, last_runs=1)]
    finally:
        con.close()


def _last_runs(paths: WarehousePaths) -> dict[str, str]:
    with duckdb.connect(str(paths.published), read_only=True) as con:
        rows = con.execute(
            "select system, status from monitor.load_runs "
            "where run_id = (select max(run_id) from monitor.load_runs)"
        ).fetchall()
    return dict(rows)


def test_a_vendor_down_for_a_whole_load_alerts_at_once_while_the_others_publish(
    project: Project,
) -> None:
    paths = WarehousePaths(project.warehouse)
    project.roundtrip("load", "ga4", "linkedin_ads")
    project.roundtrip("sandbox", "faults", "linkedin_ads", "error_rate=1.0", "error_retry_after=0")

    down = project.roundtrip("load", "ga4", "linkedin_ads", check=False)

    assert down.returncode == 1
    # the healthy system published its load; the failed one kept its last good tables
    assert _last_runs(paths) == {"ga4": "succeeded", "linkedin_ads": "failed"}
    # alerted at once, through the usual routes (High: a failed load warns from its first second)
    assert ("load_status", "linkedin_ads", "HIGH") in _open_alerts(paths)
    status = project.roundtrip("status").stdout
    (line,) = [x for x in status.splitlines() if x.lstrip("│ ").startswith("linkedin_ads")]
    assert "failed" in line
    health = project.roundtrip("health", "load_status", check=False)
    assert health.returncode == 2
    assert "last load failed" in health.stdout
    # every other check of the failed system fails too, with the reason; the healthy one passes
    fresh = project.roundtrip("health", "source_freshness", check=False)
    assert fresh.returncode == 2
    results = {(r.check, r.subject): r for r in _last_health(paths)}
    linkedin = results[("source_freshness", "linkedin_ads")]
    assert linkedin.status is Status.FAIL
    assert linkedin.message.startswith("last load failed at ")
    assert results[("source_freshness", "ga4")].status is Status.PASS

    project.roundtrip("sandbox", "faults", "linkedin_ads", "--clear")
    project.roundtrip("load", "linkedin_ads")
    assert project.roundtrip("health", "load_status", check=False).returncode == 0
    assert ("load_status", "linkedin_ads", "HIGH") not in _open_alerts(paths)
