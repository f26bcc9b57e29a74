"""The LinkedIn Marketing API stand-in over loopback HTTP, plus Rest.li 2.0 parsing."""

from __future__ import annotations

import httpx
import pytest

from sandbox.faults import set_faults
from sandbox.server import linkedin_ads
from sandbox.server.restli import RestliError, parse_value, raw_params
from tests.sandbox.fixture_ads_world import (
    CREDENTIALS,
    LINKEDIN_ACCOUNT,
    LINKEDIN_CAMPAIGNS_PER_GROUP,
    LINKEDIN_GROUPS,
    LIVE_VERSIONS,
    build_ads_world,
    serve,
)

CREDS = CREDENTIALS["linkedin_ads"]
ACCOUNTS = f"List(urn%3Ali%3AsponsoredAccount%3A{LINKEDIN_ACCOUNT})"
FIELDS = "impressions,clicks,costInLocalCurrency,oneClickLeads,dateRange,pivotValues"


def test_restli_values():
    assert parse_value("(start:(year:2026,month:1,day:1))") == {
        "start": {"year": "2026", "month": "1", "day": "1"}
    }
    assert parse_value("List(urn%3Ali%3AsponsoredAccount%3A123,urn%3Ali%3Ax%3A1)") == [
        "urn:li:sponsoredAccount:123",
        "urn:li:x:1",
    ]
    assert parse_value("(status:(values:List(ACTIVE)))") == {"status": {"values": ["ACTIVE"]}}
    assert raw_params("a=List(x%2Cy)&b=x%3D1") == {"a": "List(x%2Cy)", "b": "x=1"}
    for bad in ("(start:(year:2026", "List(a,b", "(a)", "(a:1))"):
        with pytest.raises(RestliError, match="dateRange"):
            parse_value(bad, "dateRange")


@pytest.fixture(scope="module")
def linkedin(tmp_path_factory):
    state = tmp_path_factory.mktemp("linkedin")
    build_ads_world(state / "world.duckdb")
    with serve("linkedin_ads", linkedin_ads.create_app, state) as ctx:
        yield ctx


@pytest.fixture(autouse=True)
def no_faults(linkedin):
    set_faults(linkedin.paths, "linkedin_ads")
    yield
    set_faults(linkedin.paths, "linkedin_ads")


@pytest.fixture(scope="module")
def headers(linkedin):
    form = {
        "grant_type": "refresh_token",
        **{k: CREDS[k] for k in ("client_id", "client_secret", "refresh_token")},
    }
    token = httpx.post(f"{linkedin.base_url}/oauth/v2/accessToken", data=form).json()[
        "access_token"
    ]
    return {
        "Authorization": f"Bearer {token}",
        "LinkedIn-Version": LIVE_VERSIONS["linkedin_ads"],
        "X-Restli-Protocol-Version": "2.0.0",
    }


def analytics(
    linkedin, headers, date_range: str, pivot: str = "CAMPAIGN", **extra
) -> httpx.Response:
    query = (
        f"q=analytics&pivot={pivot}&timeGranularity=DAILY&dateRange={date_range}"
        f"&accounts={ACCOUNTS}&fields={FIELDS}"
    )
    query += "".join(f"&{k}={v}" for k, v in extra.items())
    return httpx.get(f"{linkedin.base_url}/rest/adAnalytics?{query}", headers=headers)


JANUARY = "(start:(year:2026,month:1,day:1),end:(year:2026,month:1,day:31))"


def test_daily_campaign_analytics(linkedin, headers):
    response = analytics(linkedin, headers, JANUARY)
    assert response.status_code == 200
    elements = response.json()["elements"]
    assert len(elements) == LINKEDIN_GROUPS * LINKEDIN_CAMPAIGNS_PER_GROUP * 31
    first = elements[0]
    assert first["pivotValues"][0].startswith("urn:li:sponsoredCampaign:")
    assert first["dateRange"] == {
        "start": {"year": 2026, "month": 1, "day": 1},
        "end": {"year": 2026, "month": 1, "day": 1},
    }
    assert isinstance(first["costInLocalCurrency"], str)
    assert isinstance(first["impressions"], int)
    total = linkedin.db.execute(
        "SELECT SUM(cost_in_local_currency) FROM linkedin_campaign_daily "
        "WHERE date BETWEEN '2026-01-01' AND '2026-01-31'"
    ).fetchone()[0]
    assert sum(float(e["costInLocalCurrency"]) for e in elements) == pytest.approx(float(total))


def test_campaign_group_pivot_and_open_end(linkedin, headers):
    response = analytics(linkedin, headers, "(start:(year:2026,month:2,day:20))", "CAMPAIGN_GROUP")
    elements = response.json()["elements"]
    assert {e["pivotValues"][0].split(":")[-2] for e in elements} == {"sponsoredCampaignGroup"}
    assert len(elements) == LINKEDIN_GROUPS * 9  # Feb 20..28: the world ends the day before now


def test_too_many_elements_must_be_split_by_date(linkedin, headers):
    whole = "(start:(year:2025,month:1,day:1),end:(year:2026,month:12,day:31))"
    response = analytics(linkedin, headers, whole)
    assert response.status_code == 400
    assert "15000" in response.json()["message"]
    assert "dateRange" in response.json()["message"]
    halves = [
        "(start:(year:2025,month:1,day:1),end:(year:2025,month:12,day:31))",
        "(start:(year:2026,month:1,day:1),end:(year:2026,month:12,day:31))",
    ]
    sizes = [len(analytics(linkedin, headers, h).json()["elements"]) for h in halves]
    assert sum(sizes) == 18_000


def test_header_and_parameter_errors(linkedin, headers):
    no_version = {k: v for k, v in headers.items() if k != "LinkedIn-Version"}
    response = analytics(linkedin, no_version, JANUARY)
    assert response.status_code == 400
    assert response.json()["code"] == "VERSION_MISSING"
    no_protocol = {k: v for k, v in headers.items() if k != "X-Restli-Protocol-Version"}
    assert (
        "X-Restli-Protocol-Version" in analytics(linkedin, no_protocol, JANUARY).json()["message"]
    )
    bad_range = analytics(linkedin, headers, "(start:(year:2026,month:13,day:1))")
    assert bad_range.status_code == 400
    assert set(bad_range.json()) >= {"status", "code", "message"}
    stranger = httpx.get(
        f"{linkedin.base_url}/rest/adAnalytics?q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY"
        f"&dateRange={JANUARY}&accounts=List(urn%3Ali%3AsponsoredAccount%3A1)",
        headers=headers,
    )
    assert stranger.status_code == 403


def test_campaign_search_pages_with_tokens(linkedin, headers):
    url = f"{linkedin.base_url}/rest/adAccounts/{LINKEDIN_ACCOUNT}/adCampaigns"
    seen, token = [], None
    while True:
        params = {"q": "search", "pageSize": "40", **({"pageToken": token} if token else {})}
        body = httpx.get(url, params=params, headers=headers).json()
        seen += body["elements"]
        token = body["metadata"].get("nextPageToken")
        if token is None:
            break
    assert len(seen) == LINKEDIN_GROUPS * LINKEDIN_CAMPAIGNS_PER_GROUP
    assert seen[0]["campaignGroup"].startswith("urn:li:sponsoredCampaignGroup:")
    paused = httpx.get(
        f"{url}?q=search&search=(status:(values:List(PAUSED)))&pageSize=1000", headers=headers
    ).json()["elements"]
    assert len(paused) == LINKEDIN_GROUPS and {c["status"] for c in paused} == {"PAUSED"}
    groups = httpx.get(
        f"{linkedin.base_url}/rest/adAccounts/{LINKEDIN_ACCOUNT}/adCampaignGroups?q=search",
        headers=headers,
    ).json()
    assert len(groups["elements"]) == LINKEDIN_GROUPS and groups["metadata"] == {}


def test_auth_errors(linkedin, headers):
    forged = analytics(linkedin, {**headers, "Authorization": "Bearer forged"}, JANUARY)
    assert forged.status_code == 401
    assert forged.json()["serviceErrorCode"] == 65600
    refused = httpx.post(
        f"{linkedin.base_url}/oauth/v2/accessToken",
        data={
            "grant_type": "refresh_token",
            "client_id": CREDS["client_id"],
            "client_secret": "x",
            "refresh_token": "y",
        },
    )
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"


def test_rate_limit_has_no_retry_after(linkedin, headers):
    set_faults(linkedin.paths, "linkedin_ads", burst_429=1)
    response = analytics(linkedin, headers, JANUARY)
    assert response.status_code == 429
    assert response.json()["code"] == "TOO_MANY_REQUESTS"
    assert "retry-after" not in response.headers


def test_conversion_and_landing_page_fields_are_served(linkedin, headers):
    query = (
        f"q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY&dateRange={JANUARY}"
        f"&accounts={ACCOUNTS}&fields=clicks,landingPageClicks,externalWebsiteConversions"
    )
    response = httpx.get(f"{linkedin.base_url}/rest/adAnalytics?{query}", headers=headers)
    assert response.status_code == 200
    for element in response.json()["elements"]:
        assert element["landingPageClicks"] == element["clicks"]
        assert element["externalWebsiteConversions"] == 0
