"""Each check kind on small warehouses built here: the seed's conditions pass, then fail."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from monitor.results import Severity, Status
from reverse.state import SCHEMA as REVERSE_SCHEMA
from tests.monitor.conftest import MiniWarehouse
from warehouse.state_store import connect_state

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC


def check(kind: str, **fields: object) -> str:
    """One check's YAML with the common fields filled in."""
    body = {
        "name": f"test_{kind}",
        "kind": kind,
        "owner": "data-eng",
        "schedule": "*/15 * * * *",
        **fields,
    }
    return json.dumps([body])  # JSON is YAML


def only(results: list) -> object:
    assert len(results) == 1, results
    return results[0]


# --------------------------------------------------------------------------- record count

RECORD_COUNT = check(
    "record_count",
    warn="75%",
    critical="50%",
    severity="high",
    warn_severity="medium",
    resources=["hubspot.contacts"],
)


def _weeks_of_loads(mini: MiniWarehouse, latest: int) -> None:
    """A backfill, three weeks of loads at this hour (~100 records) and at another hour (1,000),
    then the latest load at this hour."""
    mini.load_run("backfill", "hubspot", T0 - timedelta(weeks=4), {"contacts": (10_000, 10_000, 0)})
    for week in (3, 2, 1):
        start = T0 - timedelta(weeks=week)
        mini.load_run(f"w{week}", "hubspot", start, {"contacts": (100 + week, 40, 0)})
        mini.load_run(
            f"w{week}-busy", "hubspot", start + timedelta(hours=5), {"contacts": (1000, 9, 0)}
        )
    mini.load_run("latest", "hubspot", T0, {"contacts": (latest, 10, 0)})


@pytest.mark.parametrize(
    ("latest", "status", "severity"),
    [
        (100, Status.PASS, None),
        (60, Status.WARN, Severity.MEDIUM),
        (40, Status.FAIL, Severity.HIGH),
    ],
)
def test_record_count_against_the_same_hour_of_the_week(
    mini: MiniWarehouse, latest: int, status: Status, severity: Severity | None
) -> None:
    _weeks_of_loads(mini, latest)
    result = only(mini.evaluate(RECORD_COUNT, T0))
    assert (result.status, result.severity) == (status, severity)
    assert result.details["expected"] == 102  # the median of this hour's loads, not the busy ones
    assert result.value == pytest.approx(latest / 102)
    assert result.subject == "hubspot.contacts" and result.threshold == "< 50% (warn < 75%)"


def test_record_count_falls_back_to_every_load_then_respects_the_floor(mini: MiniWarehouse) -> None:
    _weeks_of_loads(mini, 40)
    result = only(
        mini.evaluate(RECORD_COUNT.replace('"resources"', '"min_runs": 4, "resources"'), T0)
    )
    assert result.details["expected"] == pytest.approx((103 + 1000) / 2)
    assert "median of 6 earlier loads" in result.message and result.status is Status.FAIL
    floored = RECORD_COUNT.replace('"resources"', '"min_expected": 500, "resources"')
    result = only(
        mini.evaluate(
            floored.replace('"min_expected": 500', '"min_expected": 500, "min_runs": 3'), T0
        )
    )
    assert result.status is Status.PASS and "below the floor of 500" in result.message


def test_record_count_learns_before_judging(mini: MiniWarehouse) -> None:
    mini.load_run("backfill", "hubspot", T0 - timedelta(days=1), {"contacts": (10_000, 10_000, 0)})
    result = only(mini.evaluate(RECORD_COUNT, T0))
    assert result.status is Status.PASS and result.message.startswith("no incremental load yet")
    mini.load_run("first", "hubspot", T0, {"contacts": (3, 1, 0)})
    result = only(mini.evaluate(RECORD_COUNT, T0))
    assert result.status is Status.PASS and result.message.startswith("learning")


# --------------------------------------------------------------------------- completeness

COMPLETENESS = check(
    "completeness", critical=0, severity="medium", platforms=["google_ads"], lookback_days=5
)


def test_completeness_finds_the_missing_day_of_an_enabled_account(mini: MiniWarehouse) -> None:
    mini.sql(
        "create schema raw_google_ads; "
        "create table raw_google_ads.campaigns (customer_id varchar, campaign_status varchar); "
        "create table raw_google_ads.ad_group_daily (customer_id varchar, date date)"
    )
    mini.sql(
        "insert into raw_google_ads.campaigns values ('full', 'ENABLED'), ('gap', 'PAUSED'), "
        "('gap', 'ENABLED'), ('paused', 'PAUSED'), ('new', 'ENABLED'), ('late', 'ENABLED')"
    )
    days = {
        "full": range(1, 10),
        "gap": [d for d in range(1, 10) if d != 6],
        "paused": [],
        "new": [7, 8],  # started on the 7th: not missing the days before
        "late": range(1, 9),  # yesterday (the 9th) not reported yet: within the restatement lag
    }
    for account, numbers in days.items():
        for day in numbers:
            mini.sql(
                "insert into raw_google_ads.ad_group_daily values (?, ?)",
                [account, date(2026, 3, day)],
            )
    results = {
        r.subject: r for r in mini.evaluate(COMPLETENESS, datetime(2026, 3, 10, 6, tzinfo=UTC))
    }
    assert set(results) == {
        "google_ads.full",
        "google_ads.gap",
        "google_ads.new",
        "google_ads.late",
    }
    gap = results.pop("google_ads.gap")
    assert (gap.status, gap.severity, gap.value) == (Status.FAIL, Severity.MEDIUM, 1.0)
    assert gap.details["missing_days"] == ["2026-03-06"] and "2026-03-06" in gap.message
    assert all(r.status is Status.PASS and r.value == 0 for r in results.values())


def test_completeness_fails_a_platform_never_loaded(mini: MiniWarehouse) -> None:
    result = only(mini.evaluate(COMPLETENESS, T0))
    assert result.status is Status.FAIL and "never loaded" in result.message
    assert mini.evaluate(COMPLETENESS, T0, disabled=("google_ads",)) == []


# -------------------------------------------------------------------------------- latency

LATENCY = check(
    "latency", critical="5m", severity="high", tables={"hubspot.form_submissions": "submitted_at"}
)


def _submissions(mini: MiniWarehouse, created: list[datetime]) -> None:
    mini.sql(
        "create schema if not exists raw_hubspot; "
        "create table if not exists raw_hubspot.form_submissions (conversion_id varchar, "
        "submitted_at timestamptz)"
    )
    for n, moment in enumerate(created):
        mini.sql("insert into raw_hubspot.form_submissions values (?, ?)", [f"c{n}", moment])


@pytest.mark.parametrize(("minutes_before", "status"), [(1, Status.PASS), (30, Status.FAIL)])
def test_latency_p95_of_the_new_records(
    mini: MiniWarehouse, minutes_before: int, status: Status
) -> None:
    old = [T0 - timedelta(days=d) for d in range(1, 30)]
    new = [T0 - timedelta(minutes=minutes_before + n) for n in range(3)]
    _submissions(mini, old + new)
    mini.load_run("backfill", "hubspot", T0 - timedelta(days=1), {"form_submissions": (29, 29, 0)})
    result = only(mini.evaluate(LATENCY, T0))
    assert result.status is Status.PASS and "no incremental load" in result.message
    mini.load_run("latest", "hubspot", T0, {"form_submissions": (3, 3, 0)}, seconds=60)
    result = only(mini.evaluate(LATENCY, T0 + timedelta(minutes=5)))
    # loaded when the load finished (T0 + 1 min); the three newest were created 1-3 min before
    assert result.value == pytest.approx(minutes_before + 1 + 1.9, abs=0.01)
    assert result.status is status and result.details["records"] == 3


def test_latency_on_the_sandbox_clock(mini: MiniWarehouse) -> None:
    sandbox_now = datetime(2026, 11, 1, tzinfo=UTC)
    _submissions(mini, [sandbox_now - timedelta(days=3), sandbox_now - timedelta(seconds=30)])
    mini.load_run("a", "hubspot", T0, {"form_submissions": (1, 1, 0)}, mode="sandbox")
    mini.load_run(
        "b", "hubspot", T0 + timedelta(days=1), {"form_submissions": (1, 1, 0)}, mode="sandbox"
    )
    mini.load_run("b", "ga4", T0 + timedelta(days=1), {}, mode="sandbox", status="failed")
    result = only(mini.evaluate(LATENCY, sandbox_now))
    assert result.status is Status.PASS and result.message.startswith("not measured")
    mini.load_run(
        "c",
        "hubspot",
        T0 + timedelta(days=2),
        {"form_submissions": (1, 1, 0)},
        mode="sandbox",
        seconds=45,
    )
    mini.meta({"sandbox_now": sandbox_now.isoformat()})
    result = only(mini.evaluate(LATENCY, sandbox_now))
    # placed on the sandbox clock: its `now` plus the 45 s the load took
    assert result.value == pytest.approx(75 / 60) and result.status is Status.PASS


# ------------------------------------------------------------------------- success rates

LOAD_SUCCESS = check("load_success_rate", critical="95%", severity="critical")


@pytest.mark.parametrize(
    ("loaded", "rejected", "status"),
    [(1000, 1, Status.PASS), (90, 10, Status.FAIL), (5, 5, Status.PASS)],
)
def test_load_success_rate(mini: MiniWarehouse, loaded: int, rejected: int, status: Status) -> None:
    mini.load_run("r", "hubspot", T0, {"form_submissions": (loaded, loaded, rejected)})
    result = only(mini.evaluate(LOAD_SUCCESS, T0))
    assert result.value == pytest.approx(loaded / (loaded + rejected))
    assert result.status is status
    if status is Status.FAIL:
        assert result.severity is Severity.CRITICAL and "10 rejected" in result.message
    if loaded < 20:
        assert "not judged" in result.message


SYNC_SUCCESS = check("sync_success_rate", critical="95%", severity="high")


def test_sync_success_rate_from_the_sync_log(mini: MiniWarehouse) -> None:
    result = only(mini.evaluate(SYNC_SUCCESS, T0))
    assert (result.subject, result.status, result.message) == (
        "reverse_sync",
        Status.PASS,
        "no syncs yet",
    )
    state = connect_state(mini.paths.state_file("reverse"), REVERSE_SCHEMA)
    runs = [  # run_id, sync, started, finished, status, planned, sent, accepted, rejected
        (
            "1",
            "hubspot_contact_scores",
            "2026-03-01T09:00:00+00:00",
            "2026-03-01T09:01:00+00:00",
            "partial",
            100,
            100,
            80,
            20,
        ),
        (
            "2",
            "hubspot_contact_scores",
            "2026-03-02T09:00:00+00:00",
            "2026-03-02T09:01:00+00:00",
            "succeeded",
            100,
            100,
            100,
            0,
        ),
        ("3", "hubspot_contact_scores", "2026-03-02T10:00:00+00:00", None, "running", 50, 10, 0, 0),
        (
            "4",
            "salesforce_lead_scores",
            "2026-03-02T09:00:00+00:00",
            "2026-03-02T09:02:00+00:00",
            "partial",
            200,
            200,
            180,
            20,
        ),
        (
            "5",
            "salesforce_contact_scores",
            "2026-03-02T09:00:00+00:00",
            "2026-03-02T09:00:05+00:00",
            "failed",
            40,
            0,
            0,
            0,
        ),
        (
            "6",
            "nothing_to_do",
            "2026-03-02T09:00:00+00:00",
            "2026-03-02T09:00:01+00:00",
            "succeeded",
            0,
            0,
            0,
            0,
        ),
    ]
    state.executemany(
        "insert into sync_runs (run_id, sync, started_at, finished_at, status, full_resync, "
        "planned, sent, accepted, rejected) values (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
        [(r[0], r[1], r[2], r[3], r[4], *r[5:]) for r in runs],
    )
    state.close()
    results = {r.subject: r for r in mini.evaluate(SYNC_SUCCESS, T0)}
    assert results["hubspot_contact_scores"].status is Status.PASS  # the last finished run
    assert results["hubspot_contact_scores"].system == "sync:hubspot_contact_scores"
    lead = results["salesforce_lead_scores"]
    assert (lead.status, lead.severity, lead.value) == (Status.FAIL, Severity.HIGH, 0.9)
    assert results["salesforce_contact_scores"].value == 0.0  # planned 40, sent none
    assert results["salesforce_contact_scores"].status is Status.FAIL
    assert results["nothing_to_do"].status is Status.PASS


SYNC_ROUNDTRIP = check(
    "sync_roundtrip", warn=0, critical=None, severity="medium", warn_severity="low"
)


def test_sync_roundtrip_counts_crm_values_that_no_longer_match(mini: MiniWarehouse) -> None:
    state = connect_state(mini.paths.state_file("reverse"), REVERSE_SCHEMA)
    state.executemany(
        "insert into sync_runs (run_id, sync, started_at, finished_at, status, full_resync, "
        "checked, mismatched) values (?, ?, ?, ?, 'succeeded', 0, ?, ?)",
        [
            ("1", "hubspot_contact_scores", "2026-03-02T09:00:00+00:00", "2026-03-02T09:01:00+00:00", 9596, 3),
            ("2", "salesforce_lead_scores", "2026-03-02T09:00:00+00:00", "2026-03-02T09:01:00+00:00", 4376, 0),
            ("3", "salesforce_contact_scores", "2026-03-02T09:00:00+00:00", "2026-03-02T09:01:00+00:00", 0, 0),
        ],
    )  # fmt: skip
    state.close()
    results = {r.subject: r for r in mini.evaluate(SYNC_ROUNDTRIP, T0)}
    overwritten = results["hubspot_contact_scores"]
    assert (overwritten.status, overwritten.severity, overwritten.value) == (
        Status.WARN,
        Severity.LOW,
        3,
    )
    assert "3 of 9,596 records" in overwritten.message
    assert results["salesforce_lead_scores"].status is Status.PASS
    assert "no accepted record read back" in results["salesforce_contact_scores"].message


# ------------------------------------------------------------------------------ freshness

FRESHNESS = check(
    "freshness",
    warn="0h",
    critical="1d",
    severity="high",
    warn_severity="medium",
    systems=["hubspot", "google_ads", "salesforce"],
    allowed={"hubspot": "2h"},
)


@pytest.mark.parametrize(
    ("hours_old", "status", "severity"),
    [(1, Status.PASS, None), (3, Status.WARN, Severity.MEDIUM), (27, Status.FAIL, Severity.HIGH)],
)
def test_freshness_against_what_the_schedule_allows(
    mini: MiniWarehouse, hours_old: int, status: Status, severity: Severity | None
) -> None:
    now = datetime(2026, 3, 10, 6, tzinfo=UTC)
    mini.sql(
        "create schema raw_hubspot; create table raw_hubspot.contacts (updated_at timestamptz); "
        "create table raw_hubspot.deals (updated_at timestamptz); "
        "create schema raw_google_ads; create table raw_google_ads.ad_group_daily (date date)"
    )
    mini.sql("insert into raw_hubspot.contacts values (?)", [now - timedelta(hours=hours_old)])
    mini.sql("insert into raw_hubspot.deals values (?)", [now - timedelta(days=9)])
    mini.sql("insert into raw_google_ads.ad_group_daily values ('2026-03-09')")
    results = {r.subject: r for r in mini.evaluate(FRESHNESS, now)}
    hubspot = results["hubspot"]
    assert (hubspot.status, hubspot.severity) == (status, severity)
    assert hubspot.value == pytest.approx(hours_old)  # its freshest table counts
    assert hubspot.threshold == "> 26.0 h (warn > 2.0 h)"
    ads = results["google_ads"]  # the 9th is complete at midnight: 6 h old, 36 h allowed
    assert ads.value == pytest.approx(6) and ads.status is Status.PASS
    never = results["salesforce"]
    assert never.status is Status.FAIL and "never loaded" in never.message


# ------------------------------------------------------------------------------ dbt tests

DBT_TESTS = check("dbt_tests", critical=0, severity="high")


def test_dbt_test_failures_from_run_results(mini: MiniWarehouse) -> None:
    result = only(mini.evaluate(DBT_TESTS, T0))
    assert result.status is Status.PASS and result.message == "no dbt build yet"
    target = mini.paths.work_dir / "dbt_target"
    target.mkdir(parents=True)

    def results(which: str, *statuses: str) -> None:
        nodes = [
            {
                "unique_id": f"test.roundtrip.unique_customers_id_{n}.abc",
                "status": s,
                "failures": 3 if s == "fail" else 0,
                "message": "Got 3 results",
            }
            for n, s in enumerate(statuses)
        ]
        (target / "run_results.json").write_text(
            json.dumps(
                {
                    "metadata": {"generated_at": "2026-03-02T09:00:00Z"},
                    "args": {"which": which},
                    "results": nodes,
                }
            )
        )

    results("build", "pass", "warn", "success")
    assert only(mini.evaluate(DBT_TESTS, T0)).status is Status.PASS
    results("build", "pass", "fail", "error", "warn")
    result = only(mini.evaluate(DBT_TESTS, T0))
    assert (result.status, result.severity, result.value) == (Status.FAIL, Severity.HIGH, 2.0)
    assert "unique_customers_id_1" in result.message
    assert [f["status"] for f in result.details["failures"]] == ["fail", "error"]
    results("generate", "success")
    assert "runs no tests" in only(mini.evaluate(DBT_TESTS, T0)).message


# --------------------------------------------------------------- schema changes, rejects

SCHEMA_CHANGES = check(
    "schema_changes", warn=0, critical=None, warn_severity="low", systems=["hubspot"]
)


def test_schema_changes_new_since_the_baseline(mini: MiniWarehouse) -> None:
    def run(run_id: str, day: int, *columns: str) -> None:
        started = T0 + timedelta(days=day)
        mini.load_run(run_id, "hubspot", started, {"contacts": (10, 1, 0)})
        for column in columns:
            mini.sql(
                "insert into monitor.schema_changes values (?, 'hubspot', 'contacts', ?, "
                "'new_column', 'a field the vendor did not declare before', ?)",
                [run_id, column, started + timedelta(minutes=1)],
            )

    run("first", 0, "utm_source", "utm_medium")
    result = only(mini.evaluate(SCHEMA_CHANGES, T0))
    assert result.status is Status.PASS and "baseline" in result.message
    run("second", 1, "utm_source", "utm_medium")  # the same undeclared fields again: not new
    assert only(mini.evaluate(SCHEMA_CHANGES, T0)).value == 0
    run("third", 2, "utm_source", "promo_code")
    result = only(mini.evaluate(SCHEMA_CHANGES, T0))
    assert (result.status, result.severity, result.value) == (Status.WARN, Severity.LOW, 1.0)
    assert "contacts.promo_code (new_column)" in result.message


REJECTS = check("rejects", warn=0, critical=100, severity="medium", warn_severity="low")


@pytest.mark.parametrize(
    ("rejects", "status"), [(0, Status.PASS), (3, Status.WARN), (150, Status.FAIL)]
)
def test_rejects_of_the_last_load(mini: MiniWarehouse, rejects: int, status: Status) -> None:
    mini.load_run("old", "hubspot", T0 - timedelta(days=1), {"contacts": (10, 10, 500)})
    mini.load_run("new", "hubspot", T0, {"contacts": (10, 1, rejects), "deals": (5, 1, 0)})
    result = only(mini.evaluate(REJECTS, T0))
    assert (result.value, result.status) == (rejects, status)
    if rejects:
        assert f"contacts {rejects}" in result.message


# --------------------------------------------------------------------------------- errors


def test_a_check_that_cannot_run_reports_an_error(mini: MiniWarehouse) -> None:
    mini.sql("drop table monitor.load_runs; create table monitor.load_runs (run_id varchar)")
    result = only(mini.evaluate(RECORD_COUNT, T0))
    assert (result.status, result.severity) == (Status.ERROR, Severity.HIGH)
    assert result.subject == "test_record_count" and "could not run" in result.message
