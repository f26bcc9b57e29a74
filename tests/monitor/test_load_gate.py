"""Every check of a system whose last load failed fails with the reason, not only load_status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import yaml

from monitor.config import MonitorConfig, parse_checks
from monitor.health import run_health
from monitor.results import Severity, Status
from tests.monitor.conftest import MiniWarehouse, watched
from warehouse.load_state import mark_finished, mark_running

NOW = datetime(2026, 3, 10, 6, tzinfo=UTC)

CHECKS = """
- {name: source_freshness, kind: freshness, owner: data-eng, schedule: "*/30 * * * *",
   warn: 2h, critical: 26h, severity: high, warn_severity: medium,
   systems: [hubspot, ga4], allowed: {hubspot: 2h, ga4: 2h},
   timestamps: {hubspot: {contacts: updated_at}, ga4: {contacts: updated_at}}}
- {name: load_status, kind: load_status, owner: data-eng, schedule: "*/15 * * * *",
   severity: critical, warn_severity: high}
"""


def test_a_failed_load_fails_every_check_of_its_system(mini: MiniWarehouse) -> None:
    mini.sql(
        "create schema raw_hubspot; create table raw_hubspot.contacts (updated_at timestamptz); "
        "create schema raw_ga4; create table raw_ga4.contacts (updated_at timestamptz)"
    )
    for schema in ("raw_hubspot", "raw_ga4"):  # both fresh in the published warehouse
        mini.sql(f"insert into {schema}.contacts values (?)", [NOW - timedelta(minutes=30)])
    started = datetime(2026, 12, 5, 11, 40, tzinfo=UTC)
    for system, status, error in (
        ("hubspot", "failed", "HubSpot is unavailable: HTTP 503 after 8 attempts\nsecond line"),
        ("ga4", "succeeded", None),
    ):
        mark_running(mini.paths, "run-1", system, started)
        mark_finished(mini.paths, "run-1", system, status, started + timedelta(minutes=2), error)
    systems = watched(mini.paths.root, disabled=("salesforce", "google_ads", "meta_ads"))
    config = MonitorConfig(mini.paths.root, parse_checks(yaml.safe_load(CHECKS), "t", systems), {})

    results = run_health(systems, mini.paths, NOW, config=config, dispatcher=None)

    by = {(r.check, r.subject): r for r in results}
    fresh = by[("source_freshness", "hubspot")]
    assert (fresh.status, fresh.severity) == (Status.FAIL, Severity.HIGH)
    assert fresh.message.startswith(
        "last load failed at 2026-12-05 11:42 UTC (HubSpot is unavailable: HTTP 503 after 8 "
        "attempts); "
    )
    assert fresh.value == 0.5  # what it measured is kept
    assert by[("source_freshness", "ga4")].status is Status.PASS
    assert by[("load_status", "hubspot")].message.startswith("last load failed (run run-1)")
    assert by[("load_status", "ga4")].status is Status.PASS
