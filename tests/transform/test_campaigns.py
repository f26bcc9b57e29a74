"""The campaign view and attribution against the sandbox truth, on the shared transformed warehouse."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import Project

pytestmark = pytest.mark.slow

AD_PLATFORMS = ("google_ads", "meta_ads", "linkedin_ads")
SWITCHED_OFF = (*AD_PLATFORMS, "ga4")
MODELS = {"first_touch", "last_touch", "linear", "position_based", "time_decay"}


@pytest.fixture(scope="module")
def warehouse(transformed: Project) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(transformed.warehouse / "roundtrip.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def truth(transformed: Project) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(transformed.sandbox.truth_db), read_only=True)
    yield con
    con.close()


def test_spend_per_platform_day_campaign_equals_truth(warehouse, truth) -> None:
    view = warehouse.execute(
        "select platform, date_day, campaign_id, spend from marts.campaign_performance_daily"
        " where platform in ? and spend <> 0",
        [list(AD_PLATFORMS)],
    ).fetchall()
    expected = truth.execute(
        "select platform, date, campaign_id, spend from ad_spend_daily where spend <> 0"
    ).fetchall()
    got = {(p, d, c): Decimal(s) for p, d, c, s in view}
    assert len(got) == len(view), "more than one row per platform, day and campaign"
    want = {(p, d, c): Decimal(s) for p, d, c, s in expected}
    assert {p for p, _, _ in want} == set(AD_PLATFORMS)
    wrong = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
    extra = set(got) - set(want)
    assert not wrong and not extra, (list(wrong.items())[:5], sorted(extra)[:5])


def test_attributed_revenue_sums_to_closed_won_revenue_per_model(warehouse, truth) -> None:
    won = truth.execute(
        "select opportunity_id, amount from opportunities where closed_won_at is not null"
    ).fetchall()
    want = {o: Decimal(a) for o, a in won}
    rows = warehouse.execute(
        "select attribution_model, opportunity_id, sum(attributed_revenue)"
        " from marts.attribution_touches group by 1, 2"
    ).fetchall()
    assert {m for m, _, _ in rows} == MODELS
    for model in MODELS:
        got = {o: Decimal(s) for m, o, s in rows if m == model}
        assert got == want, model
    assert sum(want.values()) > 0


def test_touch_credits_follow_the_models(warehouse) -> None:
    per_conversion = warehouse.execute(
        "select attribution_model, opportunity_id, count(*), sum(credit), max(touches_in_window)"
        " from marts.attribution_touches group by 1, 2"
    ).fetchall()
    for model, opportunity, rows, credit, touches in per_conversion:
        assert credit == pytest.approx(1.0), (model, opportunity)
        if model in ("first_touch", "last_touch"):
            assert rows == 1, (model, opportunity)
        elif model != "position_based":
            assert rows == max(touches, 1), (model, opportunity)
    channels = dict(
        warehouse.execute(
            "select channel, count(*) from marts.attribution_touches group by 1"
        ).fetchall()
    )
    assert {"search", "display", "video", "social", "email", "unattributed"} <= set(channels)


def test_first_paid_touch_channel_agrees_with_truth(warehouse, truth) -> None:
    """Where the buyer's true first touch in the lookback was a paid click, first-touch finds it.

    (Unpaid visits that ended in no form are invisible to the warehouse, so only paid ones are judged.)
    """
    truth_first = truth.execute(
        "select o.opportunity_id, arg_min(t.channel, t.touched_at) from opportunities o"
        " join touches t on t.person_id = o.person_id"
        " where o.closed_won_at is not null"
        " and t.touched_at < cast(o.closed_won_at as date) + interval 1 day"
        " and t.touched_at >= cast(o.closed_won_at as date) - interval 90 day group by 1"
    ).fetchall()
    ours = dict(
        warehouse.execute(
            "select opportunity_id, case when sub_channel like 'google_%' then 'paid_search'"
            " when sub_channel in ('meta_ads', 'linkedin_ads') then 'paid_social' else channel end"
            " from marts.attribution_touches where attribution_model = 'first_touch'"
        ).fetchall()
    )
    paid = [(o, c) for o, c in truth_first if c in ("paid_search", "paid_social")]
    assert len(paid) >= 20
    agreement = sum(ours.get(o) == c for o, c in paid) / len(paid)
    assert agreement >= 0.85, agreement


def test_campaigns_only_in_crm_or_analytics_appear(warehouse) -> None:
    crm_only = warehouse.execute(
        "select id, name from raw_salesforce.campaigns"
        " where not is_deleted and type in ('Email', 'Webinar')"
    ).fetchall()
    assert crm_only
    in_view = dict(
        warehouse.execute(
            "select campaign_id, min(platform) from marts.campaign_performance_daily"
            " where campaign_id is not null group by 1"
        ).fetchall()
    )
    missing = [name for cid, name in crm_only if in_view.get(cid) != "crm"]
    assert not missing, missing[:5]
    ga4_only = warehouse.execute(
        "select distinct campaign_name from marts.campaign_performance_daily where platform = 'ga4'"
    ).fetchall()
    assert {"(organic)", "(direct)", "(referral)"} <= {n for (n,) in ga4_only}


def test_every_paid_campaign_joins_ads_sessions_and_crm(warehouse) -> None:
    rows = warehouse.execute(
        "select platform, campaign_id, sum(spend), sum(sessions), sum(leads)"
        " from marts.campaign_performance_daily where platform in ? group by 1, 2",
        [list(AD_PLATFORMS)],
    ).fetchall()
    with_spend = [r for r in rows if r[2] > 0]
    assert with_spend
    # Paid campaigns with clicks get GA4 sessions and form leads under the same row key.
    assert sum(1 for r in with_spend if r[3] > 0) >= 0.9 * len(with_spend)
    assert sum(1 for r in with_spend if r[4] > 0) >= 0.5 * len(with_spend)
    totals = warehouse.execute(
        "select (select sum(sessions) from marts.campaign_performance_daily),"
        " (select sum(sessions) from raw_ga4.traffic_daily),"
        " (select sum(leads) from marts.campaign_performance_daily),"
        " (select count(*) from raw_hubspot.form_submissions)"
    ).fetchone()
    assert totals[0] == totals[1] and totals[2] == totals[3]


def test_marts_build_with_ad_platforms_and_ga4_switched_off(
    transformed: Project, tmp_path: Path
) -> None:
    """Switched-off systems need no raw tables: the campaign view keeps its CRM rows, attribution sums."""
    working = tmp_path / "warehouse" / "work" / "roundtrip.duckdb"
    working.parent.mkdir(parents=True)
    shutil.copy2(transformed.warehouse / "work" / "roundtrip.duckdb", working)
    with duckdb.connect(str(working)) as con:
        for system in SWITCHED_OFF:
            con.execute(f"drop schema raw_{system} cascade")
    (tmp_path / "roundtrip.toml").write_text("")
    project = Project(tmp_path, transformed.sandbox, tmp_path / "warehouse")
    off = {f"ROUNDTRIP_{system.upper()}_ENABLED": "false" for system in SWITCHED_OFF}
    project.roundtrip("transform", **off)
    with duckdb.connect(str(project.warehouse / "roundtrip.duckdb"), read_only=True) as con:
        platforms = dict(
            con.execute(
                "select platform, sum(spend) from marts.campaign_performance_daily group by 1"
            ).fetchall()
        )
        attributed = con.execute(
            "select attribution_model, sum(attributed_revenue) from marts.attribution_touches"
            " group by 1"
        ).fetchall()
    assert set(platforms) <= {"crm", "email"} and "crm" in platforms
    assert len({revenue for _, revenue in attributed}) == 1 and len(attributed) == len(MODELS)
