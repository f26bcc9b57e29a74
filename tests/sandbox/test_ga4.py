"""The GA4 Data API stand-in: runReport over loopback HTTP, and the official SDK's REST transport."""

from __future__ import annotations

import httpx
import pytest

from sandbox.faults import set_faults
from sandbox.server import ga4
from tests.sandbox.fixture_ads_world import (
    CREDENTIALS,
    DAYS,
    GA4_CHANNELS,
    GA4_PROPERTY,
    build_ads_world,
    serve,
)

CREDS = CREDENTIALS["ga4"]
DIMENSIONS = ["date", "sessionSource", "sessionMedium", "sessionCampaignName"]
METRICS = ["sessions", "totalUsers", "engagedSessions", "keyEvents"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    state = tmp_path_factory.mktemp("ga4")
    build_ads_world(state / "world.duckdb")
    with serve("ga4", ga4.create_app, state) as ctx:
        yield ctx


@pytest.fixture(autouse=True)
def no_faults(server):
    set_faults(server.paths, "ga4")
    yield
    set_faults(server.paths, "ga4")


@pytest.fixture(scope="module")
def token(server) -> str:
    form = {
        "grant_type": "refresh_token",
        **{k: CREDS[k] for k in ("client_id", "client_secret", "refresh_token")},
    }
    response = httpx.post(f"{server.base_url}/token", data=form)
    assert response.json()["scope"] == "https://www.googleapis.com/auth/analytics.readonly"
    return response.json()["access_token"]


def report(server, token, body: dict, prop: str = GA4_PROPERTY, query: str = "") -> httpx.Response:
    url = f"{server.base_url}/v1beta/properties/{prop}:runReport{query}"
    return httpx.post(url, json=body, headers={"Authorization": f"Bearer {token}"})


def body(**extra) -> dict:
    return {
        "dateRanges": [{"startDate": "2026-01-01", "endDate": "2026-01-31"}],
        "dimensions": [{"name": d} for d in DIMENSIONS],
        "metrics": [{"name": m} for m in METRICS],
        **extra,
    }


def test_report_shape(server, token):
    data = report(server, token, body(limit="5")).json()
    assert [h["name"] for h in data["dimensionHeaders"]] == DIMENSIONS
    assert data["metricHeaders"][0] == {"name": "sessions", "type": "TYPE_INTEGER"}
    assert data["rowCount"] == len(GA4_CHANNELS) * 31
    assert len(data["rows"]) == 5
    first = data["rows"][0]
    assert first["dimensionValues"][0]["value"] == "20260101"
    assert all(isinstance(v["value"], str) for v in first["metricValues"])
    assert data["metadata"]["currencyCode"] == "USD"


def test_paging_by_offset_until_row_count(server, token):
    rows, offset = [], 0
    while True:
        page = report(
            server, token, body(limit="50", **({"offset": str(offset)} if offset else {}))
        ).json()
        rows += page["rows"]
        offset += 50
        if offset >= page["rowCount"]:
            break
    keys = {tuple(v["value"] for v in r["dimensionValues"]) for r in rows}
    assert len(keys) == len(rows) == len(GA4_CHANNELS) * 31
    past_end = report(server, token, body(limit=10, offset=10_000)).json()
    assert "rows" not in past_end and past_end["rowCount"] == len(GA4_CHANNELS) * 31


def test_sums_channel_groups_and_order(server, token):
    data = report(
        server,
        token,
        {
            "dateRanges": [{"startDate": f"{DAYS}daysAgo", "endDate": "yesterday"}],
            "dimensions": [{"name": "sessionDefaultChannelGroup"}],
            "metrics": [{"name": "sessions"}],
            "orderBys": [{"metric": {"metricName": "sessions"}, "desc": True}],
        },
    ).json()
    groups = {
        r["dimensionValues"][0]["value"]: int(r["metricValues"][0]["value"]) for r in data["rows"]
    }
    assert set(groups) == {"Paid Search", "Paid Social", "Email", "Organic Search", "Direct"}
    assert (
        sum(groups.values())
        == server.db.execute("SELECT SUM(sessions) FROM ga4_daily").fetchone()[0]
    )
    values = [int(r["metricValues"][0]["value"]) for r in data["rows"]]
    assert values == sorted(values, reverse=True)


def test_two_date_ranges_add_a_date_range_dimension(server, token):
    data = report(
        server,
        token,
        {
            "dateRanges": [
                {"startDate": "2026-01-01", "endDate": "2026-01-07"},
                {"startDate": "2026-02-01", "endDate": "2026-02-07", "name": "feb"},
            ],
            "dimensions": [{"name": "sessionMedium"}],
            "metrics": [{"name": "sessions"}],
        },
    ).json()
    assert [h["name"] for h in data["dimensionHeaders"]] == ["sessionMedium", "dateRange"]
    assert {r["dimensionValues"][1]["value"] for r in data["rows"]} == {"date_range_0", "feb"}


def test_enum_encoding_and_property_quota(server, token):
    data = report(
        server, token, body(returnPropertyQuota=True), query="?$alt=json;enum-encoding=int"
    ).json()
    assert data["metricHeaders"][0]["type"] == 1
    assert data["propertyQuota"]["tokensPerHour"]["consumed"] > 0
    assert data["propertyQuota"]["tokensPerDay"]["remaining"] < 200_000


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dimensions": [{"name": "sessionFoo"}]}, "Field sessionFoo is not a valid dimension"),
        ({"metrics": [{"name": "bounces"}]}, "Field bounces is not a valid metric"),
        ({"dateRanges": [{"startDate": "2026-13-01", "endDate": "today"}]}, "startDate"),
        ({"limit": "many"}, "limit"),
    ],
)
def test_invalid_argument(server, token, change, message):
    response = report(server, token, {**body(), **change})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert message in error["message"]


def test_auth_and_permission_errors(server, token):
    assert report(server, "forged", body()).status_code == 401
    other = report(server, token, body(), prop="1")
    assert other.status_code == 403
    assert other.json()["error"]["status"] == "PERMISSION_DENIED"


def test_quota_fault_is_resource_exhausted(server, token):
    set_faults(server.paths, "ga4", burst_429=1)
    response = report(server, token, body())
    assert response.status_code == 429
    assert response.json()["error"]["status"] == "RESOURCE_EXHAUSTED"


def test_official_sdk_rest_transport(server, token):
    data_v1beta = pytest.importorskip("google.analytics.data_v1beta")
    from google.oauth2.credentials import Credentials

    client = data_v1beta.BetaAnalyticsDataClient(
        transport="rest",
        credentials=Credentials(token=token),
        client_options={"api_endpoint": server.base_url},
    )
    request = data_v1beta.RunReportRequest(
        property=f"properties/{GA4_PROPERTY}",
        dimensions=[data_v1beta.Dimension(name=d) for d in DIMENSIONS],
        metrics=[data_v1beta.Metric(name=m) for m in METRICS],
        date_ranges=[data_v1beta.DateRange(start_date="2026-01-01", end_date="2026-01-31")],
        limit=100,
    )
    rows = []
    while True:
        response = client.run_report(request)
        rows += response.rows
        request.offset += 100
        if request.offset >= response.row_count:
            break
    assert len(rows) == len(GA4_CHANNELS) * 31
    assert response.metric_headers[0].type_ == data_v1beta.MetricType.TYPE_INTEGER
    assert rows[0].dimension_values[0].value == "20260101"
