"""`roundtrip health` and `roundtrip status` as a user runs them, on the sandbox: exit codes
follow the worst failure as the sandbox clock leaves the data behind (freshness, completeness),
every run lands in the history, and the status map shows the open alerts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.history import connect_history, read_results, status_since
from monitor.results import Severity, Status
from tests.conftest import Project
from warehouse.location import WarehousePaths

pytestmark = pytest.mark.slow


def last_run(project: Project) -> dict[tuple[str, str], object]:
    con = connect_history(WarehousePaths(project.warehouse))
    try:
        stored = read_results(con, last_runs=1)
    finally:
        con.close()
    return {(s.result.check, s.result.subject): s.result for s in stored}


def test_health_exit_codes_history_and_status(transformed_project: Project) -> None:
    p = transformed_project
    fresh = p.roundtrip("health", check=False)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    for column in ("check", "system", "status", "value", "threshold", "since"):
        assert column in fresh.stdout
    results = last_run(p)
    assert {check for check, _ in results} >= {
        "crm_record_count",
        "ad_spend_completeness",
        "lead_flow_latency",
        "form_submission_success",
        "reverse_sync_success",
        "source_freshness",
        "dbt_tests",
        "schema_changes",
        "load_rejects",
    }
    assert all(r.status is Status.PASS for r in results.values()), [
        (k, r.message) for k, r in results.items() if not r.passing
    ]
    assert results[("reverse_sync_success", "reverse_sync")].message == "no syncs yet"
    assert results[("ad_spend_completeness", "meta_ads.113638609379860")].value == 0

    # a day later, nothing loaded: the CRMs are a day behind their 2-hour schedule (Medium)
    p.roundtrip("sandbox", "advance", "--days", "1")
    late = p.roundtrip("health", check=False)
    assert late.returncode == 1, late.stdout
    results = last_run(p)
    hubspot = results[("source_freshness", "hubspot")]
    assert (hubspot.status, hubspot.severity, hubspot.value) == (Status.WARN, Severity.MEDIUM, 24)
    assert results[("source_freshness", "google_ads")].status is Status.PASS  # 36 h allowed

    # three days: more than a day staler than allowed (High), and ad days missing (Medium)
    p.roundtrip("sandbox", "advance", "--days", "2")
    stale = p.roundtrip("health", check=False)
    assert stale.returncode == 2, stale.stdout
    results = last_run(p)
    assert (
        results[("source_freshness", "hubspot")].status,
        results[("source_freshness", "hubspot")].severity,
    ) == (Status.FAIL, Severity.HIGH)
    assert results[("source_freshness", "ga4")].status is Status.FAIL
    gap = results[("ad_spend_completeness", "google_ads.8796475120")]
    assert (gap.status, gap.severity) == (Status.FAIL, Severity.MEDIUM)
    assert gap.details["missing_days"] == ["2026-11-01", "2026-11-02"]
    # "since": freshness turned from warn to fail at the current sandbox clock
    con = connect_history(WarehousePaths(p.warehouse))
    since = status_since(con, [results[("source_freshness", "hubspot")]])
    con.close()
    assert since == {"roundtrip/source_freshness/hubspot": datetime(2026, 11, 4, tzinfo=UTC)}
    assert "2026-11-04 00:00" in stale.stdout

    only = p.roundtrip("health", "dbt_tests", check=False)
    assert only.returncode == 0 and "source_freshness" not in only.stdout

    status = p.roundtrip("status")
    for system in ("hubspot", "salesforce", "google_ads", "meta_ads", "linkedin_ads", "ga4"):
        assert system in status.stdout
    assert "source_freshness/hubspot" in status.stdout and "3.0 d old" in status.stdout
    tickets = (p.warehouse / "state" / "alert_tickets.jsonl").read_text()
    assert "roundtrip/source_freshness/hubspot" in tickets  # routed by the alert router

    unknown = p.roundtrip("health", "no_such_check", check=False)
    assert unknown.returncode == 2 and "unknown check(s) no_such_check" in unknown.stderr
    bad = p.root / "monitor.yml"
    bad.write_text("checks:\n  - {name: x, kind: vibes, owner: me, schedule: '* * * * *'}\n")
    broken = p.roundtrip("health", check=False, ROUNDTRIP_MONITOR_CONFIG=str(bad))
    assert broken.returncode == 2
    assert broken.stderr.strip().splitlines()[-1].startswith("Error: ")
    assert "check 'x', field 'kind': unknown kind 'vibes'" in broken.stderr
