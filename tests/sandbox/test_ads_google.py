"""The Google Ads REST stand-in over real loopback HTTP: OAuth, searchStream, search paging, errors."""

from __future__ import annotations

import time

import httpx
import pytest

from sandbox.faults import set_faults
from sandbox.server import google_ads
from tests.sandbox.fixture_ads_world import (
    CREDENTIALS,
    GOOGLE_CUSTOMER,
    GOOGLE_DAILY_ROWS,
    LIVE_VERSIONS,
    build_ads_world,
    serve,
)

VERSION = LIVE_VERSIONS["google_ads"]
CREDS = CREDENTIALS["google_ads"]
ALL_DAYS = (
    "SELECT campaign.id, ad_group.id, segments.date, metrics.clicks, metrics.cost_micros "
    "FROM ad_group WHERE segments.date BETWEEN '2025-01-01' AND '2026-12-31'"
)


@pytest.fixture(scope="module")
def ads(tmp_path_factory):
    state = tmp_path_factory.mktemp("google_ads")
    build_ads_world(state / "world.duckdb")
    with serve("google_ads", google_ads.create_app, state) as ctx:
        yield ctx


@pytest.fixture(autouse=True)
def no_faults(ads):
    set_faults(ads.paths, "google_ads")
    yield
    set_faults(ads.paths, "google_ads")


def refresh(ads, **overrides) -> httpx.Response:
    form = {
        "grant_type": "refresh_token",
        "client_id": CREDS["client_id"],
        "client_secret": CREDS["client_secret"],
        "refresh_token": CREDS["refresh_token"],
        **overrides,
    }
    return httpx.post(f"{ads.base_url}/token", data=form)


@pytest.fixture(scope="module")
def headers(ads):
    token = refresh(ads).json()["access_token"]
    return {
        "Authorization": f"Bearer {token}",
        "developer-token": CREDS["developer_token"],
        "login-customer-id": GOOGLE_CUSTOMER,
    }


def call(ads, headers, method: str, body: dict, customer: str = GOOGLE_CUSTOMER) -> httpx.Response:
    url = f"{ads.base_url}/{VERSION}/customers/{customer}/googleAds:{method}"
    return httpx.post(url, json=body, headers=headers, timeout=60)


def failure(response: httpx.Response) -> dict:
    body = response.json()
    error = (body[0] if isinstance(body, list) else body)["error"]  # searchStream: an array
    detail = error["details"][0]
    assert (
        detail["@type"]
        == f"type.googleapis.com/google.ads.googleads.{VERSION}.errors.GoogleAdsFailure"
    )
    return detail["errors"][0]


def test_token_endpoint(ads):
    body = refresh(ads).json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "https://www.googleapis.com/auth/adwords"
    assert body["expires_in"] > 0
    wrong_secret = refresh(ads, client_secret="nope")
    assert wrong_secret.status_code == 401
    assert wrong_secret.json()["error"] == "invalid_client"
    wrong_grant = refresh(ads, refresh_token="1//revoked")
    assert wrong_grant.status_code == 400
    assert wrong_grant.json()["error"] == "invalid_grant"


def test_search_stream_batches(ads, headers):
    response = call(ads, headers, "searchStream", {"query": ALL_DAYS})
    assert response.status_code == 200
    batches = response.json()
    assert [len(b["results"]) for b in batches] == [10_000, GOOGLE_DAILY_ROWS - 10_000]
    assert len({b["requestId"] for b in batches}) == 1
    assert batches[0]["fieldMask"] == (
        "campaign.id,adGroup.id,segments.date,metrics.clicks,metrics.costMicros"
    )
    row = batches[0]["results"][0]
    assert row["adGroup"]["resourceName"].startswith(f"customers/{GOOGLE_CUSTOMER}/adGroups/")
    assert isinstance(row["metrics"]["costMicros"], str)


def test_search_stream_empty_result(ads, headers):
    query = "SELECT campaign.id FROM campaign WHERE campaign.name = 'no such campaign'"
    batches = call(ads, headers, "searchStream", {"query": query}).json()
    assert len(batches) == 1 and "results" not in batches[0]
    assert batches[0]["fieldMask"] == "campaign.id"


def test_search_pages_with_page_tokens(ads, headers):
    first = call(ads, headers, "search", {"query": ALL_DAYS, "returnTotalResultsCount": True})
    body = first.json()
    assert len(body["results"]) == 10_000
    assert body["totalResultsCount"] == str(GOOGLE_DAILY_ROWS)
    second = call(ads, headers, "search", {"query": ALL_DAYS, "pageToken": body["nextPageToken"]})
    rest = second.json()
    assert len(rest["results"]) == GOOGLE_DAILY_ROWS - 10_000
    assert "nextPageToken" not in rest
    seen = {(r["adGroup"]["id"], r["segments"]["date"]) for r in body["results"] + rest["results"]}
    assert len(seen) == GOOGLE_DAILY_ROWS


def test_search_rejects_page_size_and_foreign_tokens(ads, headers):
    sized = call(ads, headers, "search", {"query": ALL_DAYS, "pageSize": 100})
    assert sized.status_code == 400
    assert failure(sized)["errorCode"] == {"requestError": "PAGE_SIZE_NOT_SUPPORTED"}
    token = call(ads, headers, "search", {"query": ALL_DAYS}).json()["nextPageToken"]
    other = call(ads, headers, "search", {"query": ALL_DAYS + " LIMIT 20000", "pageToken": token})
    assert failure(other)["errorCode"] == {"requestError": "INVALID_PAGE_TOKEN"}


def test_query_error_shape(ads, headers):
    response = call(ads, headers, "searchStream", {"query": "SELECT campaign.bogus FROM campaign"})
    assert response.status_code == 400
    (only,) = response.json()  # searchStream answers an array, its errors too
    assert only["error"]["status"] == "INVALID_ARGUMENT"
    error = failure(response)
    assert error["errorCode"] == {"queryError": "UNRECOGNIZED_FIELD"}
    assert "campaign.bogus" in error["message"]


def test_developer_token_and_customer_checks(ads, headers):
    query = {"query": "SELECT campaign.id FROM campaign"}
    missing = call(
        ads, {k: v for k, v in headers.items() if k != "developer-token"}, "search", query
    )
    assert missing.status_code == 401
    assert failure(missing)["errorCode"] == {"authenticationError": "DEVELOPER_TOKEN_INVALID"}
    wrong = call(ads, {**headers, "developer-token": "nope"}, "search", query)
    assert failure(wrong)["errorCode"] == {"authenticationError": "DEVELOPER_TOKEN_INVALID"}
    stranger = call(ads, headers, "search", query, customer="9999999999")
    assert stranger.status_code == 403
    assert failure(stranger)["errorCode"] == {"authorizationError": "USER_PERMISSION_DENIED"}


def test_bad_bearer_token(ads, headers):
    response = call(ads, {**headers, "Authorization": "Bearer forged"}, "search", {"query": "x"})
    assert response.status_code == 401
    assert response.json()["error"]["status"] == "UNAUTHENTICATED"


def test_expired_token(ads, headers):
    set_faults(ads.paths, "google_ads", token_ttl=1)
    token = refresh(ads).json()
    assert token["expires_in"] == 1
    time.sleep(2.1)  # expiry is whole seconds: int(now) + ttl
    response = call(
        ads,
        {**headers, "Authorization": f"Bearer {token['access_token']}"},
        "search",
        {"query": "x"},
    )
    assert response.status_code == 401


def test_rate_limit_is_resource_exhausted_without_retry_after(ads, headers):
    set_faults(ads.paths, "google_ads", burst_429=1, retry_after=30)
    response = call(ads, headers, "search", {"query": "SELECT campaign.id FROM campaign"})
    assert response.status_code == 429
    assert "retry-after" not in response.headers
    assert response.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert failure(response)["errorCode"] == {"quotaError": "RESOURCE_EXHAUSTED"}
    again = call(ads, headers, "search", {"query": "SELECT campaign.id FROM campaign"})
    assert again.status_code == 200


def test_list_accessible_customers(ads, headers):
    response = httpx.get(
        f"{ads.base_url}/{VERSION}/customers:listAccessibleCustomers", headers=headers
    )
    assert response.json() == {"resourceNames": [f"customers/{GOOGLE_CUSTOMER}"]}


def test_stream_rate_limit_is_an_array_and_the_client_waits_its_retry_delay(
    ads, headers, monkeypatch
):
    from connectors import google_ads as client_module
    from connectors.http.transport import RetryEvent

    set_faults(ads.paths, "google_ads", burst_429=1, retry_after=1)
    response = call(ads, headers, "searchStream", {"query": "SELECT campaign.id FROM campaign"})
    assert response.status_code == 429
    assert failure(response)["details"]["quotaErrorDetails"]["retryDelay"] == "1s"

    # Roundtrip's client, speaking the version live on this fixture's clock
    monkeypatch.setattr(client_module, "API_VERSION", VERSION)
    set_faults(ads.paths, "google_ads", burst_429=1, retry_after=1)
    client = client_module.GoogleAdsClient.from_credentials(
        CREDS, base_url=ads.base_url, token_url=ads.base_url + "/token"
    )
    waits: list[RetryEvent] = []
    client.transport.on_retry = waits.append
    pages = client.search_stream(GOOGLE_CUSTOMER, "SELECT campaign.id FROM campaign")
    assert sum(len(page) for page in pages) == 5
    client.close()
    assert [w.delay for w in waits] == [1.0]  # the array's quotaErrorDetails.retryDelay
