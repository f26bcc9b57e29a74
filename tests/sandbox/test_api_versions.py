"""The ad stand-ins judge API versions by connectors/api_versions.yml on their clock: a retired
or unknown version gets the vendor's own refusal, one near its sunset the Sunset/Deprecation
headers, and Roundtrip's clients turn a refusal into one line naming the version and the fix."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx
import pytest

from connectors.google_ads import GoogleAdsClient
from connectors.http.errors import VersionRefused
from sandbox.server import google_ads, linkedin_ads, meta_ads
from sandbox.server.versions import NOTICE_DAYS, book
from tests.sandbox.fixture_ads_world import (
    CREDENTIALS,
    GOOGLE_CUSTOMER,
    LINKEDIN_ACCOUNT,
    META_ACCOUNT,
    build_ads_world,
    serve,
)

SANDBOX_DAY = date(2026, 11, 1)  # the generated world's clock (GENESIS_NOW)
V26_SUNSET = date(2027, 11, 1)  # Google Ads v26, projected


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("versions")
    build_ads_world(root / "world.duckdb")
    return root


@contextmanager
def google(world: Path, today: date) -> Iterator[tuple[str, dict[str, str]]]:
    with serve("google_ads", google_ads.create_app, world, today) as ctx:
        creds = CREDENTIALS["google_ads"]
        form = {
            "grant_type": "refresh_token",
            **{k: creds[k] for k in ("client_id", "client_secret", "refresh_token")},
        }
        token = httpx.post(f"{ctx.base_url}/token", data=form).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "developer-token": creds["developer_token"]}
        yield ctx.base_url, headers


def stream(base: str, headers: dict[str, str], version: str) -> httpx.Response:
    url = f"{base}/{version}/customers/{GOOGLE_CUSTOMER}/googleAds:searchStream"
    return httpx.post(url, json={"query": "SELECT campaign.id FROM campaign"}, headers=headers)


def test_the_book_judges_by_the_clock() -> None:
    ads = book("google_ads")
    assert ads.judge("v21", SANDBOX_DAY).state == "retired"  # sunset 2026-08-05
    assert ads.judge("v26", date(2026, 10, 1)).state == "unknown"  # released 2026-10-14
    assert ads.judge("v26", SANDBOX_DAY).state == "live"
    assert ads.judge("v26", date(2027, 8, 3)).state == "near_sunset"  # 90 days before
    assert ads.judge("v26", date(2027, 8, 2)).state == "live"
    assert ads.judge("v99", SANDBOX_DAY).state == "unknown"
    assert ads.judge("v21", SANDBOX_DAY).newest == "v26"
    assert NOTICE_DAYS == 90


@pytest.mark.parametrize("version", ["v21", "v99"])
def test_google_ads_refuses_a_sunset_or_unknown_version(world: Path, version: str) -> None:
    with google(world, SANDBOX_DAY) as (base, headers):
        response = stream(base, headers, version)
    assert response.status_code == 400
    (only,) = response.json()  # searchStream answers an array, its errors too
    error = only["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    (failure,) = error["details"][0]["errors"]
    assert failure["errorCode"] == {"requestError": "UNSUPPORTED_VERSION"}
    assert failure["message"] == (
        f"Version {version} is deprecated. Requests to this version will be blocked."
    )


def test_google_ads_announces_a_near_sunset_in_headers(world: Path) -> None:
    with google(world, SANDBOX_DAY) as (base, headers):
        live = stream(base, headers, "v26")
    assert live.status_code == 200 and "Sunset" not in live.headers
    with google(world, date(2027, 9, 1)) as (base, headers):
        near = stream(base, headers, "v26")
    assert near.status_code == 200
    assert near.headers["Sunset"] == "Mon, 01 Nov 2027 00:00:00 GMT"
    assert near.headers["Deprecation"].startswith("@")


def test_roundtrips_client_fails_in_one_line_past_the_sunset(world: Path) -> None:
    with serve("google_ads", google_ads.create_app, world, date(2027, 11, 2)) as ctx:
        client = GoogleAdsClient.from_credentials(
            CREDENTIALS["google_ads"], base_url=ctx.base_url, token_url=ctx.base_url + "/token"
        )
        with pytest.raises(VersionRefused) as raised:
            list(client.search_stream(GOOGLE_CUSTOMER, "SELECT campaign.id FROM campaign"))
        client.close()
    message = str(raised.value)
    assert "\n" not in message
    assert "Version v26 is deprecated" in message
    assert "API version v26 is retired or unknown to google_ads: move to a newer one" in message


def test_linkedin_refuses_with_426_naming_the_version_as_linkedin_does(world: Path) -> None:
    with serve("linkedin_ads", linkedin_ads.create_app, world, SANDBOX_DAY) as ctx:
        creds = CREDENTIALS["linkedin_ads"]
        form = {
            "grant_type": "refresh_token",
            **{k: creds[k] for k in ("client_id", "client_secret", "refresh_token")},
        }
        token = httpx.post(f"{ctx.base_url}/oauth/v2/accessToken", data=form).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        url = f"{ctx.base_url}/rest/adAccounts/{LINKEDIN_ACCOUNT}/adCampaignGroups?q=search"

        def get(version: str) -> httpx.Response:
            return httpx.get(url, headers={**headers, "LinkedIn-Version": version})

        old, unknown = get("202510"), get("209912")
    for response, named in ((old, "20251001"), (unknown, "20991201")):
        assert response.status_code == 426
        assert response.json() == {
            "status": 426,
            "code": "NONEXISTENT_VERSION",
            "message": f"Requested version {named} is not active",
        }


def test_meta_auto_upgrades_an_expired_version_and_refuses_an_unknown_one(world: Path) -> None:
    token = CREDENTIALS["meta_ads"]["access_token"]
    with serve("meta_ads", meta_ads.create_app, world, SANDBOX_DAY) as ctx:

        def campaigns(version: str) -> httpx.Response:
            return httpx.get(
                f"{ctx.base_url}/{version}/act_{META_ACCOUNT}/campaigns",
                params={"access_token": token, "fields": "id"},
            )

        expired, current, unknown = campaigns("v21.0"), campaigns("v26.0"), campaigns("v99.0")
    assert expired.status_code == 200 and expired.json()["data"]
    assert "auto-upgraded to v26.0" in expired.headers["X-Ad-Api-Version-Warning"]
    assert current.status_code == 200 and "X-Ad-Api-Version-Warning" not in current.headers
    assert unknown.status_code == 400
    error = unknown.json()["error"]
    assert error["code"] == 2635 and error["type"] == "OAuthException"
    assert error["message"] == (
        "(#2635) You are calling a deprecated version of the Ads API. "
        "Please update to the latest version: v26.0."
    )
