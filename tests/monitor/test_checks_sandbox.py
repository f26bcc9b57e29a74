"""Checks on real sandbox data: loads, `sandbox advance`, fault injection and a broken dbt build
make each check fail after it passed. (Freshness and completeness: test_health_cli.py.)"""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import httpx
import pytest

from monitor.config import MonitorConfig, parse_checks
from monitor.health import run_health
from monitor.results import CheckResult, Severity, Status
from roundtrip.clock import now
from roundtrip.settings import SYSTEMS, load_settings
from roundtrip.stages.health import watched_systems
from tests.conftest import Project
from warehouse.location import WarehousePaths

pytestmark = pytest.mark.slow


def health(
    project: Project, monkeypatch: pytest.MonkeyPatch, checks: list[dict]
) -> dict[tuple[str, str], CheckResult]:
    """Run `checks` in-process against the project (its sandbox clock), without alerting."""
    for key, value in project.env.items():
        if key.startswith("ROUNDTRIP_"):
            monkeypatch.setenv(key, value)
    for system in SYSTEMS:
        monkeypatch.setenv(f"ROUNDTRIP_{system.upper()}_MODE", "sandbox")
    settings = load_settings(project.root)
    systems = watched_systems(settings)
    base = {"owner": "data-eng", "schedule": "*/15 * * * *"}
    config = MonitorConfig(
        project.root, parse_checks([{**base, **c} for c in checks], "test", systems), {}
    )
    results = run_health(
        systems, WarehousePaths(project.warehouse), now(settings), config=config, dispatcher=None
    )
    return {(r.check, r.subject): r for r in results}


VOLUME_CHECKS = [
    {
        "name": "crm_record_count",
        "kind": "record_count",
        "critical": "50%",
        "severity": "high",
        "resources": ["hubspot.contacts"],
        "min_runs": 1,
    },
    {
        "name": "schema_changes",
        "kind": "schema_changes",
        "warn": 0,
        "critical": None,
        "systems": ["hubspot"],
    },
    {
        "name": "load_rejects",
        "kind": "rejects",
        "warn": 0,
        "critical": 100,
        "severity": "medium",
        "systems": ["hubspot"],
    },
]


def test_volume_drop_new_column_and_rejects(
    transformed_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = transformed_project
    for _ in range(2):  # two ordinary days: the first teaches the check what a load brings
        p.roundtrip("sandbox", "advance", "--days", "1")
        p.roundtrip("load", "hubspot")
    before = health(p, monkeypatch, VOLUME_CHECKS)
    count = before[("crm_record_count", "hubspot.contacts")]
    assert count.status is Status.PASS and count.value > 0.5, count.message
    assert before[("schema_changes", "hubspot")].status is Status.PASS
    assert before[("load_rejects", "hubspot")].status is Status.PASS
    # the same day loaded again (hardly anything new), while HubSpot adds a field and
    # serves a malformed page
    p.roundtrip("sandbox", "faults", "hubspot", "new_field=promo_code", "malformed_page=2")
    p.roundtrip("load", "hubspot")
    after = health(p, monkeypatch, VOLUME_CHECKS)
    count = after[("crm_record_count", "hubspot.contacts")]
    assert (count.status, count.severity) == (Status.FAIL, Severity.HIGH), count.message
    learned = before[("crm_record_count", "hubspot.contacts")].details
    assert count.details["expected"] == (learned["expected"] + learned["records"]) / 2  # median
    changes = after[("schema_changes", "hubspot")]
    assert changes.status is Status.WARN and "promo_code (new_column)" in changes.message
    rejects = after[("load_rejects", "hubspot")]
    assert rejects.status is Status.WARN and rejects.value >= 1, rejects.message


LATENCY = [
    {
        "name": "lead_flow_latency",
        "kind": "latency",
        "critical": "5m",
        "severity": "high",
        "tables": {"hubspot.contacts": "created_at", "hubspot.form_submissions": "submitted_at"},
    }
]


def test_lead_flow_latency_minutes_then_a_day(
    transformed_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = transformed_project
    p.roundtrip("sandbox", "up")
    server = json.loads((p.sandbox.root / "server.json").read_text())
    token = json.loads(p.sandbox.credentials_json.read_text())["hubspot"]["access_token"]
    response = httpx.post(
        server["urls"]["hubspot"] + "/crm/v3/objects/contacts/batch/upsert",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "inputs": [
                {
                    "idProperty": "email",
                    "id": "ada.lovelace@example.org",
                    "properties": {"email": "ada.lovelace@example.org", "firstname": "Ada"},
                }
            ]
        },
    )
    assert response.status_code in (200, 201), response.text
    p.roundtrip("load", "hubspot")  # a lead created a moment ago, loaded right away
    fast = health(p, monkeypatch, LATENCY)
    contacts = fast[("lead_flow_latency", "hubspot.contacts")]
    assert contacts.status is Status.PASS and contacts.value < 5, contacts.message
    assert contacts.details["records"] == 1
    assert "no new records" in fast[("lead_flow_latency", "hubspot.form_submissions")].message
    p.roundtrip("sandbox", "advance", "--days", "1")  # a day of new leads, loaded only now
    p.roundtrip("load", "hubspot")
    slow = health(p, monkeypatch, LATENCY)
    for table in ("hubspot.contacts", "hubspot.form_submissions"):
        result = slow[("lead_flow_latency", table)]
        assert (result.status, result.severity) == (Status.FAIL, Severity.HIGH), result.message
        assert 12 * 60 < result.value < 24 * 60  # p95 of records created through the day


DBT = [{"name": "dbt_tests", "kind": "dbt_tests", "critical": 0, "severity": "high"}]


def test_dbt_test_failures_of_the_last_build(
    transformed_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = transformed_project
    assert health(p, monkeypatch, DBT)[("dbt_tests", "dbt")].status is Status.PASS
    with duckdb.connect(str(WarehousePaths(p.warehouse).working)) as con:
        con.execute("insert into raw_hubspot.contacts select * from raw_hubspot.contacts limit 1")
    assert p.roundtrip("transform", check=False).returncode == 1
    result = health(p, monkeypatch, DBT)[("dbt_tests", "dbt")]
    assert (result.status, result.severity) == (Status.FAIL, Severity.HIGH)
    failed = [f["unique_id"] for f in result.details["failures"]]
    assert any("unique_stg_hubspot__contacts" in f for f in failed), failed
    assert result.value == len(failed) and datetime.fromisoformat(
        result.details["generated_at"].replace("Z", "+00:00")
    )
