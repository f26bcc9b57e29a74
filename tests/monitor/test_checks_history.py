"""Check history in monitor.sqlite: runs, results, "since", the router seam, and the mirror
into the warehouse's `monitor` schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml
from rich.console import Console

from monitor.alerts.router import DispatchReport
from monitor.config import load_monitor_config
from monitor.health import exit_code, run_health
from monitor.history import connect_history, read_results, record_run, status_since
from monitor.results import CheckResult, Severity, Status
from monitor.status import build_status, status_table
from reverse.state import SCHEMA as REVERSE_SCHEMA
from roundtrip.settings import SYSTEMS, Settings, SystemSettings
from roundtrip.stages.health import watched_systems
from tests.monitor.conftest import MiniWarehouse
from warehouse.state_store import connect_state, mirror_state

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


REJECTS_CHECK = {
    "name": "load_rejects",
    "kind": "rejects",
    "owner": "data-eng",
    "schedule": "0 * * * *",
    "warn": 0,
    "critical": 100,
    "severity": "medium",
    "warn_severity": "low",
}


def result(status: Status, at: datetime, subject: str = "hubspot") -> CheckResult:
    failing = status is not Status.PASS
    return CheckResult(
        check="source_freshness",
        subject=subject,
        system=subject,
        status=status,
        severity=Severity.HIGH if failing else None,
        value=30.0 if failing else 1.0,
        threshold="> 26.0 h (warn > 2.0 h)",
        message="newest data 30.0 h old" if failing else "newest data 1.0 h old",
        observed_at=at,
        owner="data-platform",
        details={"kind": "freshness", "unit": "h"},
    )


def test_since_is_when_the_status_last_changed(mini: MiniWarehouse) -> None:
    con = connect_history(mini.paths)
    statuses = [Status.PASS, Status.FAIL, Status.FAIL, Status.PASS]
    for hour, status in enumerate(statuses):
        at = T0 + timedelta(hours=hour)
        record_run(
            con,
            [result(status, at), result(Status.PASS, at, "salesforce")],
            checks=["source_freshness"],
            observed_at=at,
            started_at=at,
        )
        since = status_since(con, [result(status, at)])["roundtrip/source_freshness/hubspot"]
        assert since == T0 + timedelta(hours={0: 0, 1: 1, 2: 1, 3: 3}[hour])
    stored = read_results(con, check="source_freshness", last_runs=2)
    assert [(s.run_id, s.result.subject, s.result.status) for s in stored] == [
        (3, "hubspot", Status.FAIL),
        (3, "salesforce", Status.PASS),
        (4, "hubspot", Status.PASS),
        (4, "salesforce", Status.PASS),
    ]
    assert stored[0].unit == "h" and stored[0].result.severity is Severity.HIGH
    con.close()


def test_history_mirrors_into_the_monitor_schema(mini: MiniWarehouse) -> None:
    con = connect_history(mini.paths)
    record_run(
        con, [result(Status.FAIL, T0)], checks=["source_freshness"], observed_at=T0, started_at=T0
    )
    con.close()
    with duckdb.connect(str(mini.paths.published)) as duck:
        tables = mirror_state(duck, mini.paths.state_file("monitor"), "monitor")
        assert {"check_runs", "check_results"} <= set(tables)
        row = duck.execute(
            "select check_name, subject, status, severity, value, unit, observed_at, "
            "details->>'kind' from monitor.check_results"
        ).fetchone()
        assert row == ("source_freshness", "hubspot", "fail", "high", 30.0, "h", T0, "freshness")
        # the loads' own tables are still there beside them
        names = {
            r[0]
            for r in duck.execute(
                "select table_name from information_schema.tables where table_schema = 'monitor'"
            ).fetchall()
        }
        assert {"load_runs", "load_resource_runs", "check_runs", "check_results"} <= names


def test_run_health_stores_then_hands_results_to_the_router(
    mini: MiniWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file = tmp_path / "monitor.yml"
    config_file.write_text(
        yaml.safe_dump(
            {
                "checks": [
                    REJECTS_CHECK,
                    {
                        "name": "dbt_tests",
                        "kind": "dbt_tests",
                        "owner": "analytics",
                        "schedule": "0 * * * *",
                        "critical": 0,
                        "enabled": False,
                    },
                ]
            }
        )
    )
    monkeypatch.setenv("ROUNDTRIP_MONITOR_CONFIG", str(config_file))
    mini.load_run("r1", "hubspot", T0, {"contacts": (10, 1, 2)})
    settings = Settings(
        mini.paths.root,
        mini.paths.root,
        mini.paths.root / "sandbox",
        {s: SystemSettings(s, s == "hubspot", "real", "real") for s in SYSTEMS},
    )
    handed: list[tuple[list[CheckResult], datetime, int]] = []

    def router(results, alerts, state, now) -> DispatchReport:
        stored = state.execute("select count(*) from check_results").fetchone()[0]
        handed.append((results, now, stored))
        delivery = CheckResult(
            "alert_delivery",
            "slack",
            None,
            Status.FAIL,
            Severity.HIGH,
            1.0,
            "0 undelivered alerts",
            "slack answered 410",
            now,
        )
        return DispatchReport(results=[delivery])

    results = run_health(watched_systems(settings), mini.paths, T0, dispatcher=router)
    assert [(r.check, r.subject, r.status) for r in results] == [
        ("load_rejects", "hubspot", Status.WARN),
        ("alert_delivery", "slack", Status.FAIL),
    ]
    assert exit_code(results) == 2 and exit_code(results[:1]) == 1 and exit_code([]) == 0
    ((given, now, stored_before),) = handed
    assert [r.check for r in given] == ["load_rejects"] and now == T0 and stored_before == 1
    con = connect_history(mini.paths)
    run = con.execute("select checks, results, failing, worst_severity from check_runs").fetchone()
    assert run == ("load_rejects", 2, 2, "high")  # the disabled check did not run
    con.close()
    assert (
        load_monitor_config(None, watched_systems(settings)).select(("dbt_tests",))[0].enabled
        is False
    )


def test_status_map_with_syncs_and_open_alerts(
    mini: MiniWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file = tmp_path / "monitor.yml"
    config_file.write_text(
        yaml.safe_dump(
            {
                "checks": [
                    REJECTS_CHECK,
                ]
            }
        )
    )
    monkeypatch.setenv("ROUNDTRIP_MONITOR_CONFIG", str(config_file))
    mini.load_run("r1", "hubspot", T0, {"contacts": (10, 1, 2), "deals": (5, 0, 0)})
    state = connect_state(mini.paths.state_file("reverse"), REVERSE_SCHEMA)
    state.execute(
        "insert into sync_runs (run_id, sync, started_at, finished_at, status, full_resync, "
        "planned, sent, accepted, rejected) values ('s1', 'hubspot_contact_scores', "
        "'2026-03-02T09:00:00+00:00', '2026-03-02T09:01:00+00:00', 'partial', 0, 10, 10, 9, 1)"
    )
    state.close()
    settings = Settings(
        mini.paths.root,
        mini.paths.root,
        mini.paths.root / "sandbox",
        {s: SystemSettings(s, s != "ga4", "real", "real") for s in SYSTEMS},
    )
    run_health(
        watched_systems(settings), mini.paths, T0
    )  # the real router: opens the rejects alert
    view = build_status(watched_systems(settings), mini.paths, T0)
    lines = {i.name: i for i in view.integrations}
    hubspot = lines["hubspot"]
    assert (hubspot.mode, hubspot.rows, hubspot.freshness) == ("real", "15 records", "no data")
    assert [(a.check, a.subject, a.severity) for a in hubspot.alerts] == [
        ("load_rejects", "hubspot", Severity.LOW)
    ]
    assert lines["ga4"].mode == "disabled" and lines["salesforce"].last_run == "never"
    sync = lines["sync:hubspot_contact_scores"]
    assert sync.rows == "9 of 10 accepted" and sync.last_run.startswith("partial 2026-03-02")
    console = Console(record=True, width=200)
    console.print(status_table(view))
    assert "low load_rejects/hubspot" in console.export_text()
