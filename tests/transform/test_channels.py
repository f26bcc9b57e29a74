"""The one channel taxonomy (seed channel_taxonomy) against the sandbox truth and world, on the shared
transformed warehouse: every channel column speaks its vocabulary, Google display and video are not
search, and spend and UTMs reach the marts."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal

import duckdb
import pytest

from tests.conftest import REPO, Project

pytestmark = pytest.mark.slow

GOOGLE_TYPES = {"SEARCH": "search", "DISPLAY": "display", "VIDEO": "video"}


def seed_channels() -> set[str]:
    with (REPO / "dbt_project" / "seeds" / "channel_taxonomy.csv").open() as f:
        return {row["channel"] for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def warehouse(transformed: Project) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(transformed.warehouse / "roundtrip.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def world(transformed: Project) -> Iterator[duckdb.DuckDBPyConnection]:
    """The sandbox's world and truth, attached to one in-memory connection."""
    con = duckdb.connect()
    con.execute(f"attach '{transformed.sandbox.root / 'world.duckdb'}' as world (read_only)")
    con.execute(f"attach '{transformed.sandbox.truth_db}' as truth (read_only)")
    yield con
    con.close()


def expected_ad_channels(world: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """utm_campaign → channel the truth implies: Google by its campaign's channel type, social ads."""
    google = dict(
        world.execute(
            "select lower(trim(name)), advertising_channel_type from world.google_ads_campaigns"
        ).fetchall()
    )
    touched = world.execute(
        "select distinct campaign, channel from truth.touches"
        " where campaign is not null and channel in ('paid_search', 'paid_social')"
    ).fetchall()
    return {
        campaign: GOOGLE_TYPES[google[campaign]] if channel == "paid_search" else "social"
        for campaign, channel in touched
    }


def test_every_channel_column_speaks_the_taxonomy(warehouse) -> None:
    channels = seed_channels()
    assert channels == {
        "search",
        "display",
        "video",
        "social",
        "email",
        "organic",
        "referral",
        "direct",
        "event",
    }
    columns = {
        "marts.campaign_performance_daily": "channel",
        "marts.attribution_touches": "channel",
        "marts.customers": "first_touch_channel",
    }
    for table, column in columns.items():
        found = {
            c for (c,) in warehouse.execute(f"select distinct {column} from {table}").fetchall()
        }
        assert found - {None, "unattributed"} <= channels, (table, found - channels)


def test_paid_touches_take_the_channel_of_their_ad_campaign(warehouse, world) -> None:
    expected = expected_ad_channels(world)
    assert {"search", "display", "video", "social"} <= set(expected.values())
    ours = warehouse.execute(
        "select distinct utm_campaign, channel from marts.attribution_touches"
        " where touch_type = 'form_submission' and utm_campaign in ?",
        [list(expected)],
    ).fetchall()
    assert len({c for c, _ in ours}) >= 10
    wrong = [
        (campaign, channel, expected[campaign])
        for campaign, channel in ours
        if channel != expected[campaign]
    ]
    assert not wrong, wrong[:5]


def test_spend_per_channel_equals_the_platforms_spend(warehouse, world) -> None:
    google = world.execute(
        "select c.advertising_channel_type, sum(s.spend) from truth.ad_spend_daily s"
        " join world.google_ads_campaigns c on s.campaign_id = cast(c.campaign_id as varchar)"
        " where s.platform = 'google_ads' group by 1"
    ).fetchall()
    social = world.execute(
        "select sum(spend) from truth.ad_spend_daily where platform in ('meta_ads', 'linkedin_ads')"
    ).fetchone()[0]
    want = {GOOGLE_TYPES[t]: Decimal(s) for t, s in google} | {"social": Decimal(social)}
    got = dict(
        warehouse.execute(
            "select channel, sum(spend) from marts.campaign_performance_daily"
            " where spend <> 0 group by 1"
        ).fetchall()
    )
    assert {c: Decimal(s) for c, s in got.items()} == want


def test_utm_parameters_reach_the_marts(warehouse) -> None:
    rows = warehouse.execute(
        "select utm_source, utm_medium, count(*) from marts.attribution_touches"
        " where utm_source is not null group by 1, 2"
    ).fetchall()
    assert {("google", "cpc"), ("facebook", "paid_social"), ("linkedin", "paid_social")} <= {
        (s, m) for s, m, _ in rows
    }
    traffic = warehouse.execute(
        "select channel, sum(sessions) from marts.campaign_performance_daily"
        " where platform = 'ga4' group by 1"
    ).fetchall()
    assert {c for c, s in traffic if s > 0} == {"organic", "referral", "direct"}
