"""GAQL parsing, validation and evaluation against the fixture world."""

from __future__ import annotations

import duckdb
import pytest

from sandbox.server import gaql
from tests.sandbox.fixture_ads_world import (
    GOOGLE_AD_GROUPS_PER_CAMPAIGN,
    GOOGLE_CAMPAIGNS,
    GOOGLE_CUSTOMER,
    build_ads_world,
)

FULL = (
    "SELECT campaign.id, campaign.name, ad_group.id, ad_group.name, segments.date, "
    "metrics.impressions, metrics.clicks, metrics.cost_micros, metrics.conversions "
    "FROM ad_group WHERE segments.date BETWEEN '2026-01-01' AND '2026-01-31'"
)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = build_ads_world(tmp_path_factory.mktemp("gaql") / "world.duckdb")
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def run(con, text: str) -> list[dict]:
    query = gaql.parse(text)
    sql, params = gaql.compile_query(query, GOOGLE_CUSTOMER)
    render = gaql.row_renderer(query, GOOGLE_CUSTOMER)
    return [render(row) for row in con.execute(sql, params).fetchall()]


def test_parse_full_query():
    query = gaql.parse(
        FULL + " AND campaign.status != 'REMOVED' ORDER BY metrics.clicks DESC LIMIT 5"
    )
    assert query.resource == "ad_group"
    assert query.select[4] == "segments.date"
    assert [c.operator for c in query.where] == ["BETWEEN", "!="]
    assert query.order_by == [("metrics.clicks", True)]
    assert query.limit == 5
    assert query.field_mask.startswith("campaign.id,campaign.name,adGroup.id,adGroup.name,")
    assert query.field_mask.endswith("metrics.costMicros,metrics.conversions")


def test_keywords_are_case_insensitive():
    query = gaql.parse(
        "select campaign.id from campaign where campaign.status in ('ENABLED') limit 1"
    )
    assert query.where[0].values == ("ENABLED",)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("campaign.id FROM campaign", "EXPECTED_SELECT"),
        ("SELECT campaign.id", "EXPECTED_FROM"),
        ("SELECT campaign.bogus FROM campaign", "UNRECOGNIZED_FIELD"),
        ("SELECT campaign.id FROM keyword_view", "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE"),
        ("SELECT ad_group.id FROM campaign", "PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE"),
        ("SELECT segments.date FROM campaign", "EXPECTED_FILTERS_ON_DATE_RANGE"),
        (
            "SELECT segments.date FROM campaign WHERE segments.date >= '2026-01-01'",
            "EXPECTED_FILTERS_ON_DATE_RANGE",
        ),
        (
            "SELECT segments.date FROM campaign WHERE segments.date BETWEEN '2026-02-01' AND '2026-01-01'",
            "DATE_RANGE_TOO_NARROW",
        ),
        (
            "SELECT campaign.id FROM campaign WHERE segments.date = '2026/01/01'",
            "INVALID_DATE_FORMAT",
        ),
        ("SELECT campaign.id FROM campaign WHERE campaign.status = 'LIVE'", "BAD_ENUM_CONSTANT"),
        ("SELECT campaign.id FROM campaign WHERE campaign.name = 'open", "STRING_NOT_TERMINATED"),
        (
            "SELECT campaign.id FROM campaign WHERE segments.date BETWEEN '2026-01-01' '2026-01-02'",
            "EXPECTED_AND",
        ),
        ("SELECT campaign.id FROM campaign ORDER campaign.id", "EXPECTED_BY"),
        ("SELECT campaign.id FROM campaign LIMIT ten", "BAD_LIMIT_VALUE"),
        ("SELECT campaign.id FROM campaign LIMIT 0", "LIMIT_VALUE_TOO_LOW"),
        ("SELECT campaign.id FROM campaign WHERE campaign.id LIKE 'x'", "BAD_OPERATOR"),
        ("SELECT campaign.id FROM campaign WHERE campaign.id IN 5", "EXPECTED_LIST"),
        ("SELECT campaign.id FROM campaign extra", "UNEXPECTED_INPUT"),
        ("SELECT campaign.id FROM", "UNEXPECTED_END_OF_QUERY"),
    ],
)
def test_query_errors_use_google_codes(text, code):
    with pytest.raises(gaql.GaqlError) as info:
        gaql.parse(text)
    assert info.value.code == code


def test_unrecognized_field_names_the_field():
    with pytest.raises(gaql.GaqlError, match=r"campaign\.bogus"):
        gaql.parse("SELECT campaign.bogus FROM campaign")


def test_ad_group_days_render_like_google(con):
    rows = run(con, FULL)
    assert len(rows) == GOOGLE_CAMPAIGNS * GOOGLE_AD_GROUPS_PER_CAMPAIGN * 31
    first = rows[0]
    assert first["campaign"] == {
        "resourceName": f"customers/{GOOGLE_CUSTOMER}/campaigns/1001",
        "id": "1001",
        "name": "gads_campaign_1",
    }
    assert first["adGroup"]["resourceName"] == f"customers/{GOOGLE_CUSTOMER}/adGroups/100101"
    assert first["segments"] == {"date": "2026-01-01"}
    metrics = first["metrics"]
    assert set(metrics) == {"impressions", "clicks", "costMicros", "conversions"}
    assert all(isinstance(metrics[k], str) for k in ("impressions", "clicks", "costMicros"))
    assert isinstance(metrics["conversions"], float)


def test_where_filters_status_and_dates(con):
    rows = run(
        con,
        "SELECT campaign.id, campaign.status, segments.date, metrics.clicks FROM campaign "
        "WHERE segments.date >= '2026-02-01' AND segments.date <= '2026-02-03' "
        "AND campaign.status != 'REMOVED'",
    )
    assert {r["campaign"]["status"] for r in rows} == {"ENABLED", "PAUSED"}
    assert len(rows) == (GOOGLE_CAMPAIGNS - 1) * 3
    single = run(
        con,
        "SELECT campaign.id, segments.date FROM campaign WHERE segments.date = '2026-02-01' "
        "AND campaign.id IN (1001, 1002)",
    )
    assert [(r["campaign"]["id"], r["segments"]["date"]) for r in single] == [
        ("1001", "2026-02-01"),
        ("1002", "2026-02-01"),
    ]


def test_campaign_metrics_are_summed_over_ad_groups_and_days(con):
    rows = run(
        con,
        "SELECT campaign.id, metrics.cost_micros FROM campaign "
        "WHERE segments.date BETWEEN '2026-01-01' AND '2026-01-31' AND campaign.id = 1001",
    )
    expected = con.execute(
        "SELECT SUM(cost_micros) FROM google_ads_ad_group_daily WHERE campaign_id = 1001 "
        "AND date BETWEEN '2026-01-01' AND '2026-01-31'"
    ).fetchone()[0]
    assert rows == [
        {
            "campaign": {
                "resourceName": f"customers/{GOOGLE_CUSTOMER}/campaigns/1001",
                "id": "1001",
            },
            "metrics": {"costMicros": str(expected)},
        }
    ]


def test_order_by_and_limit(con):
    rows = run(
        con,
        "SELECT ad_group.id, metrics.clicks FROM ad_group "
        "WHERE segments.date = '2026-01-05' ORDER BY metrics.clicks DESC, ad_group.id ASC LIMIT 4",
    )
    clicks = [int(r["metrics"]["clicks"]) for r in rows]
    assert len(rows) == 4
    assert clicks == sorted(clicks, reverse=True)


def test_customer_fields_and_other_customers(con):
    rows = run(con, "SELECT customer.id, customer.currency_code FROM campaign LIMIT 1")
    assert rows[0]["customer"] == {
        "resourceName": f"customers/{GOOGLE_CUSTOMER}",
        "id": GOOGLE_CUSTOMER,
        "currencyCode": "USD",
    }
    query = gaql.parse("SELECT campaign.id FROM campaign")
    sql, params = gaql.compile_query(query, "9999999999")
    assert con.execute(sql, params).fetchall() == []
