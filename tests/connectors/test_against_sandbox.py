"""The read clients against the sandbox stand-ins (the servers helpers' small fixture worlds).

A vendor whose stand-in module does not exist yet is skipped.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.ga4 import GA4Client
from connectors.google_ads import GoogleAdsClient
from connectors.hubspot import HubSpotClient
from connectors.linkedin_ads import LinkedInAdsClient
from connectors.meta_ads import MetaAdsClient
from connectors.salesforce import SalesforceClient
from sandbox.generator.clock import GENESIS_NOW

pytestmark = pytest.mark.slow

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _stand_in(vendor: str) -> Any:
    try:
        return importlib.import_module(f"sandbox.server.{vendor}")
    except ModuleNotFoundError as exc:
        if exc.name != f"sandbox.server.{vendor}":
            raise
        pytest.skip(f"no {vendor} stand-in yet")


def count(pages: Iterator[list[Any]]) -> int:
    return sum(len(page) for page in pages)


# ---------------------------------------------------------------- CRM world (one server process)


@pytest.fixture(scope="module")
def crm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, Any]]]:
    from sandbox.control import running
    from sandbox.state import read_json
    from tests.sandbox.fixture_world import make_sandbox

    paths = make_sandbox(tmp_path_factory.mktemp("crm") / ".sandbox")
    with running(paths) as info:
        yield info, read_json(paths.credentials_json) or {}


def test_hubspot_reads_the_stand_in(crm):
    _stand_in("hubspot")
    info, credentials = crm
    client = HubSpotClient.from_credentials(credentials["hubspot"], base_url=info.urls["hubspot"])
    names = [p["name"] for p in client.properties("contacts")]
    assert "lead_score" in names
    assert count(client.list_objects("contacts", names)) == 225
    assert count(client.list_objects("contacts", names, archived=True)) == 25
    # 60 contacts share one lastmodifieddate: a cap of 40 forces the restart by id.
    client.search_cap, client.search_limit = 40, 20
    ids = [
        r["id"] for page in client.search_modified_since("contacts", ["email"], EPOCH) for r in page
    ]
    assert len(ids) == len(set(ids)) == 225
    assert count(client.email_events(EPOCH, datetime(2030, 1, 1, tzinfo=UTC))) == 1200
    assert sum(count(client.form_submissions(f["guid"])) for f in client.forms()) == 120
    assert client.request_counter()[1] == 0


def test_salesforce_reads_the_stand_in(crm):
    _stand_in("salesforce")
    info, credentials = crm
    base = info.urls["salesforce"]
    client = SalesforceClient.from_credentials(
        credentials["salesforce"],
        base_url=base,
        token_url=f"{base}/services/oauth2/token",
        verify=str(info.ca_cert),
    )
    fields = [f["name"] for f in client.describe("Lead")["fields"] if f["type"] != "address"]
    soql = f"SELECT {', '.join(fields)} FROM Lead ORDER BY SystemModstamp"
    pages = list(client.query_all(soql))
    assert len(pages) == 2 and count(iter(pages)) == 2300
    assert count(client.query("SELECT Id FROM Lead")) == 2300 - 46


# ---------------------------------------------------------------- ad platforms and GA4 (threads)


@pytest.fixture(scope="module")
def ads_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.sandbox.fixture_ads_world import build_ads_world

    root = tmp_path_factory.mktemp("ads")
    build_ads_world(root / "world.duckdb")
    return root


def _client(cls: Any, vendor: str, root: Path, token_path: str | None) -> Iterator[Any]:
    from tests.sandbox.fixture_ads_world import CREDENTIALS, serve

    # the clients speak the versions live on the sandbox's clock, not on the fixture's (March 2026)
    with serve(vendor, _stand_in(vendor).create_app, root, GENESIS_NOW.date()) as ctx:
        token_url = ctx.base_url + token_path if token_path else None
        yield cls.from_credentials(CREDENTIALS[vendor], base_url=ctx.base_url, token_url=token_url)


def test_google_ads_reads_the_stand_in(ads_world):
    for client in _client(GoogleAdsClient, "google_ads", ads_world, "/token"):
        customer = client.customer_ids[0]
        assert count(client.search_stream(customer, "SELECT campaign.id FROM campaign")) == 5
        gaql = (
            "SELECT ad_group.id, segments.date, metrics.clicks FROM ad_group "
            "WHERE segments.date BETWEEN '2025-11-01' AND '2026-02-28'"
        )
        assert count(client.search_stream(customer, gaql)) == 12_000


def test_meta_reads_the_stand_in(ads_world):
    for client in _client(MetaAdsClient, "meta_ads", ads_world, None):
        account = client.account_ids[0]
        assert count(client.campaigns(account, ["id", "name"])) == 4
        rows = count(
            client.insights(account, "adset", date(2025, 11, 1), date(2026, 2, 28), ["adset_id"])
        )
        assert rows == 12 * 120


def test_linkedin_reads_the_stand_in(ads_world):
    for client in _client(LinkedInAdsClient, "linkedin_ads", ads_world, "/oauth/v2/accessToken"):
        account = client.account_ids[0]
        assert count(client.campaign_groups(account)) == 5
        assert count(client.campaigns(account)) == 150
        # 18,000 campaign days: more than one response may hold, so the client splits by date.
        pages = client.ad_analytics(account, date(2025, 11, 1), date(2026, 2, 28), ["clicks"])
        assert count(pages) == 150 * 120


def test_ga4_reads_the_stand_in(ads_world):
    for client in _client(GA4Client, "ga4", ads_world, "/token"):
        client.page_limit = 500
        pages = list(
            client.run_report(
                date(2025, 11, 1), date(2026, 2, 28), ["date", "sessionSource"], ["sessions"]
            )
        )
        assert len(pages) > 1
        assert all(
            set(row) == {"date", "sessionSource", "sessions"} for page in pages for row in page
        )
