"""The Meta Marketing API stand-in, driven by the official facebook-business SDK and by httpx."""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest
from facebook_business.adobjects.adaccount import AdAccount
from facebook_business.adobjects.adreportrun import AdReportRun
from facebook_business.api import FacebookAdsApi

from sandbox.faults import set_faults
from sandbox.server import meta_ads
from tests.sandbox.fixture_ads_world import (
    CREDENTIALS,
    LIVE_VERSIONS,
    META_ACCOUNT,
    META_ADSETS_PER_CAMPAIGN,
    META_CAMPAIGNS,
    NOW,
    build_ads_world,
    serve,
)

VERSION = LIVE_VERSIONS["meta_ads"]
TOKEN = CREDENTIALS["meta_ads"]["access_token"]
JANUARY = {"since": "2026-01-01", "until": "2026-01-31"}


@pytest.fixture(scope="module")
def meta(tmp_path_factory):
    state = tmp_path_factory.mktemp("meta")
    build_ads_world(state / "world.duckdb")
    with serve("meta_ads", meta_ads.create_app, state) as ctx:
        yield ctx


@pytest.fixture(autouse=True)
def no_faults(meta):
    set_faults(meta.paths, "meta_ads")
    yield
    set_faults(meta.paths, "meta_ads")


@pytest.fixture
def api(meta):
    api = FacebookAdsApi.init(access_token=TOKEN, api_version=VERSION, crash_log=False)
    api._session.GRAPH = meta.base_url
    return api


def test_sdk_pages_daily_campaign_insights(meta, api):
    rows = list(
        AdAccount(f"act_{META_ACCOUNT}").get_insights(
            fields=["campaign_id", "campaign_name", "spend", "impressions", "clicks", "actions"],
            params={"level": "campaign", "time_increment": 1, "time_range": JANUARY, "limit": 50},
        )
    )
    assert len(rows) == META_CAMPAIGNS * 31  # 124 rows over 3 pages
    assert len({(r["campaign_id"], r["date_start"]) for r in rows}) == len(rows)
    first = rows[0]
    assert first["date_start"] == first["date_stop"] == "2026-01-01"
    assert isinstance(first["spend"], str) and isinstance(first["impressions"], str)
    expected = meta.db.execute(
        "SELECT SUM(spend), SUM(leads) FROM meta_adset_daily "
        "WHERE date BETWEEN '2026-01-01' AND '2026-01-31'"
    ).fetchone()
    assert sum(float(r["spend"]) for r in rows) == pytest.approx(float(expected[0]))
    leads = sum(int(a["value"]) for r in rows for a in r.get("actions", []))
    assert leads == expected[1]
    assert all(a["action_type"] == "lead" for r in rows for a in r.get("actions", []))


def test_paging_shape_and_adset_level(meta):
    url = f"{meta.base_url}/{VERSION}/act_{META_ACCOUNT}/insights"
    params = {
        "level": "adset",
        "time_increment": "1",
        "time_range": json.dumps({"since": "2026-02-01", "until": "2026-02-03"}),
        "fields": "adset_id,adset_name,campaign_id,spend",
        "access_token": TOKEN,
    }
    first = httpx.get(url, params=params).json()
    assert len(first["data"]) == 25  # Meta's default limit
    assert set(first["data"][0]) == {
        "adset_id",
        "adset_name",
        "campaign_id",
        "spend",
        "date_start",
        "date_stop",
    }
    assert first["paging"]["next"].startswith(url + "?")
    assert set(first["paging"]["cursors"]) == {"before", "after"}
    second = httpx.get(first["paging"]["next"]).json()
    total = META_CAMPAIGNS * META_ADSETS_PER_CAMPAIGN * 3
    assert len(second["data"]) == total - 25
    assert "next" not in second["paging"]
    assert "previous" in second["paging"]


def test_all_days_account_level_uses_the_range(meta):
    params = {"level": "account", "time_range": json.dumps(JANUARY), "access_token": TOKEN}
    body = httpx.get(f"{meta.base_url}/{VERSION}/act_{META_ACCOUNT}/insights", params=params).json()
    assert len(body["data"]) == 1
    assert body["data"][0]["date_start"] == "2026-01-01"
    assert body["data"][0]["date_stop"] == "2026-01-31"


def test_date_preset_follows_the_world_clock(meta):
    params = {
        "level": "account",
        "time_increment": "1",
        "date_preset": "last_7d",
        "access_token": TOKEN,
    }
    body = httpx.get(f"{meta.base_url}/{VERSION}/act_{META_ACCOUNT}/insights", params=params).json()
    days = [r["date_start"] for r in body["data"]]
    assert days[-1] == date.fromordinal(NOW.toordinal() - 1).isoformat()
    assert len(days) == 7


def test_sdk_lists_campaigns(meta, api):
    campaigns = list(
        AdAccount(f"act_{META_ACCOUNT}").get_campaigns(
            fields=["id", "name", "objective", "status", "created_time", "updated_time"],
            params={"limit": 3},
        )
    )
    assert len(campaigns) == META_CAMPAIGNS
    assert campaigns[0]["created_time"].endswith("+0000")
    assert {c["status"] for c in campaigns} == {"ACTIVE", "PAUSED"}


def test_sdk_async_report_run(meta, api):
    run = AdAccount(f"act_{META_ACCOUNT}").get_insights(
        fields=["campaign_id", "spend"],
        params={"level": "campaign", "time_increment": 1, "time_range": JANUARY},
        is_async=True,
    )
    assert isinstance(run, AdReportRun)
    statuses = [run.api_get()[AdReportRun.Field.async_status] for _ in range(2)]
    assert statuses == ["Job Running", "Job Completed"]
    assert run[AdReportRun.Field.async_percent_completion] == 100
    rows = list(run.get_result(params={"limit": 100}))
    assert len(rows) == META_CAMPAIGNS * 31


def _retrying(send):
    """Send until the answer is not an injected 5xx (error_rate applies to every request)."""
    for _ in range(50):
        response = send()
        if response.status_code < 500:
            return response
    raise AssertionError("only 5xx answers")


def test_error_rate_fails_some_report_runs(meta):
    set_faults(meta.paths, "meta_ads", error_rate=0.4, seed=3)
    url = f"{meta.base_url}/{VERSION}/act_{META_ACCOUNT}/insights"
    auth = {"access_token": TOKEN}
    body = {"level": "campaign", "time_range": json.dumps(JANUARY)}
    outcomes = set()
    for _ in range(12):
        created = _retrying(lambda: httpx.post(url, params=auth, data=body))
        status_url = f"{meta.base_url}/{VERSION}/{created.json()['report_run_id']}"
        for _ in range(2):
            status = _retrying(lambda u=status_url: httpx.get(u, params=auth))
        outcomes.add(status.json()["async_status"])
    assert outcomes == {"Job Completed", "Job Failed"}


def test_invalid_token_is_code_190(meta):
    response = httpx.get(
        f"{meta.base_url}/{VERSION}/act_{META_ACCOUNT}/insights", params={"access_token": "nope"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 190
    assert error["type"] == "OAuthException"
    assert set(error) >= {"message", "fbtrace_id", "is_transient"}


def test_authorization_header_is_accepted(meta):
    response = httpx.get(
        f"{meta.base_url}/{VERSION}/act_{META_ACCOUNT}/campaigns",
        headers={"Authorization": f"OAuth {TOKEN}"},
    )
    assert response.status_code == 200
    assert response.json()["data"][0] == {"id": "23850000001"}


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"fields": "spend,bogus"}, "bogus is not valid for fields param"),
        ({"level": "keyword"}, "level must be one of"),
        ({"time_range": "{not json"}, "time_range"),
        ({"time_increment": "7"}, "time_increment"),
        ({"after": "garbage!"}, "cursor"),
    ],
)
def test_bad_parameters_are_code_100(meta, params, fragment):
    response = httpx.get(
        f"{meta.base_url}/{VERSION}/act_{META_ACCOUNT}/insights",
        params={**params, "access_token": TOKEN},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 100
    assert fragment in error["message"]


def test_unknown_account(meta):
    response = httpx.get(
        f"{meta.base_url}/{VERSION}/act_999/insights", params={"access_token": TOKEN}
    )
    assert response.status_code == 400
    assert response.json()["error"]["error_subcode"] == 33


def test_rate_limits_are_400_with_usage_headers(meta):
    set_faults(meta.paths, "meta_ads", burst_429=2, retry_after=120)
    insights = httpx.get(
        f"{meta.base_url}/{VERSION}/act_{META_ACCOUNT}/insights", params={"access_token": TOKEN}
    )
    assert insights.status_code == 400
    assert insights.json()["error"]["code"] == 80000
    usage = json.loads(insights.headers["X-Business-Use-Case-Usage"])
    assert usage[META_ACCOUNT][0]["estimated_time_to_regain_access"] == 2
    assert "acc_id_util_pct" in json.loads(insights.headers["x-fb-ads-insights-throttle"])
    campaigns = httpx.get(
        f"{meta.base_url}/{VERSION}/act_{META_ACCOUNT}/campaigns", params={"access_token": TOKEN}
    )
    assert campaigns.json()["error"]["code"] == 17
    assert (
        httpx.get(
            f"{meta.base_url}/{VERSION}/act_{META_ACCOUNT}/campaigns",
            params={"access_token": TOKEN},
        ).status_code
        == 200
    )


def test_action_values_is_accepted_and_omitted_without_conversion_values(meta):
    params = {
        "level": "account",
        "time_range": json.dumps(JANUARY),
        "fields": "spend,actions,action_values",
        "access_token": TOKEN,
    }
    response = httpx.get(f"{meta.base_url}/{VERSION}/act_{META_ACCOUNT}/insights", params=params)
    assert response.status_code == 200
    (row,) = response.json()["data"]
    assert "spend" in row and "action_values" not in row
