"""Per-vendor read clients: pagination and request shapes, against small fakes on the stub server."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.api_versions import spoken
from connectors.client import CredentialsError, date_windows
from connectors.ga4 import GA4Client
from connectors.google_ads import GoogleAdsClient
from connectors.hubspot import HubSpotClient
from connectors.linkedin_ads import LinkedInAdsClient
from connectors.meta_ads import MetaAdsClient
from connectors.salesforce import SalesforceClient
from tests.connectors.conftest import Arrival, Reply

FAST = {"backoff_base": 0.01, "backoff_cap": 0.05, "timeout": 5}


@dataclass
class Endpoint:
    base_url: str | None
    credentials: dict[str, Any]
    verify: bool | str | Path = True
    token_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def hubspot(stub, **options: Any) -> HubSpotClient:
    endpoint = Endpoint(stub.url, {"access_token": "pat-na1-test-token"})
    return HubSpotClient.from_endpoint(endpoint, limits={"search": None}, **FAST, **options)


# ---------------------------------------------------------------- HubSpot search and the 10k cap

CONTACTS = [
    *[(i, 1_000) for i in range(1, 4)],
    *[(i, 2_000) for i in range(4, 16)],  # twelve on one timestamp: more than the cap of 6
    (16, 3_000),
    (17, 3_000),
    (18, 4_000),
    (19, 5_000),
    (20, 5_000),
]


def fake_search(arrival: Arrival, cap: int = 6) -> Reply:
    """HubSpot search semantics: AND filters, one ascending sort (ties in arbitrary order),
    offset `after`, and a 400 for paging past the cap."""
    body = json.loads(arrival.body)
    records = [
        {"id": str(i), "properties": {"lastmodifieddate": str(t), "hs_object_id": str(i)}}
        for i, t in reversed(CONTACTS)
    ]
    ops = {"GTE": int.__ge__, "GT": int.__gt__, "EQ": int.__eq__}
    for f in body["filterGroups"][0]["filters"]:
        records = [
            r
            for r in records
            if ops[f["operator"]](int(r["properties"][f["propertyName"]]), int(f["value"]))
        ]
    sort = body["sorts"][0]["propertyName"]
    records.sort(key=lambda r: int(r["properties"][sort]))
    after, limit = int(body.get("after", 0)), body["limit"]
    if after >= cap:
        return Reply(
            400, {"status": "error", "message": "paging past 10000", "category": "VALIDATION_ERROR"}
        )
    page = {"total": len(records), "results": records[after : after + limit]}
    if after + limit < len(records):
        page["paging"] = {"next": {"after": str(after + limit)}}
    return Reply(body=page)


def test_hubspot_search_crosses_the_cap_without_gaps_or_duplicates(stub):
    stub.route("/crm/v3/objects/contacts/search", fake_search)
    client = hubspot(stub)
    client.search_cap, client.search_limit = 6, 2
    since = datetime.fromtimestamp(1, UTC)  # 1000 ms
    ids = [
        r["id"] for page in client.search_modified_since("contacts", ["email"], since) for r in page
    ]
    assert sorted(ids, key=int) == [str(i) for i in range(1, 21)]
    assert len(ids) == len(set(ids))
    sent = [json.loads(a.body) for a in stub.hits("/crm/v3/objects/contacts/search")]
    assert all(s["properties"] == ["email", "lastmodifieddate", "hs_object_id"] for s in sent)
    assert any(s["sorts"][0]["propertyName"] == "hs_object_id" for s in sent)


def test_hubspot_search_since_filters_and_uses_the_objects_cursor(stub):
    stub.route("/crm/v3/objects/contacts/search", fake_search)
    client = hubspot(stub)
    since = datetime.fromtimestamp(3, UTC)
    ids = [r["id"] for page in client.search_modified_since("contacts", [], since) for r in page]
    assert ids == ["17", "16", "18", "20", "19"]

    stub.script("/crm/v3/objects/deals/search", Reply(body={"results": []}))
    assert list(client.search_modified_since("deals", [], since)) == []
    body = json.loads(stub.hits("/crm/v3/objects/deals/search")[0].body)
    assert body["filterGroups"][0]["filters"][0] == {
        "propertyName": "hs_lastmodifieddate",
        "operator": "GTE",
        "value": "3000",
    }


# ---------------------------------------------------------------- HubSpot list, marketing, associations


def test_hubspot_list_follows_after_and_reads_archived(stub):
    stub.script(
        "/crm/v3/objects/companies",
        Reply(body={"results": [{"id": "1"}], "paging": {"next": {"after": "1", "link": "x"}}}),
        Reply(body={"results": [{"id": "2"}]}),
    )
    pages = list(hubspot(stub).list_objects("companies", ["name", "domain"], archived=True))
    assert pages == [[{"id": "1"}], [{"id": "2"}]]
    first, second = stub.hits("/crm/v3/objects/companies")
    assert first.query == {"limit": "100", "properties": "name,domain", "archived": "true"}
    assert second.query["after"] == "1"


def test_hubspot_email_events_offset_paging(stub):
    stub.script(
        "/email/public/v1/events",
        Reply(body={"events": [{"id": "a"}], "hasMore": True, "offset": "tok1"}),
        Reply(body={"events": [{"id": "b"}], "hasMore": False, "offset": "tok2"}),
    )
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    assert list(hubspot(stub).email_events(start, end)) == [[{"id": "a"}], [{"id": "b"}]]
    first, second = stub.hits("/email/public/v1/events")
    assert first.query["startTimestamp"] == "1767225600000"
    assert first.query["endTimestamp"] == "1767312000000"
    assert second.query["offset"] == "tok1"


def test_hubspot_form_submissions_stop_at_since(stub):
    stub.script("/marketing/v3/forms", Reply(body={"results": [{"id": "g-1", "name": "Demo"}]}))
    path = "/form-integrations/v1/submissions/forms/g-1"
    stub.script(
        path,
        Reply(
            body={
                "results": [{"submittedAt": 5000}, {"submittedAt": 4000}],
                "paging": {"next": {"after": "p2"}},
            }
        ),
        Reply(
            body={
                "results": [{"submittedAt": 3000}, {"submittedAt": 1000}],
                "paging": {"next": {"after": "p3"}},
            }
        ),
    )
    client = hubspot(stub)
    assert [f["guid"] for f in client.forms()] == ["g-1"]
    pages = list(client.form_submissions("g-1", since=datetime.fromtimestamp(2, UTC)))
    assert pages == [[{"submittedAt": 5000}, {"submittedAt": 4000}], [{"submittedAt": 3000}]]
    assert len(stub.hits(path)) == 2  # stopped: page 3 never asked for


def test_hubspot_associations_rows(stub):
    path = "/crm/v4/associations/contacts/companies/batch/read"
    result = {"from": {"id": "1"}, "to": [{"toObjectId": 9, "associationTypes": [{"typeId": 1}]}]}
    stub.route(path, lambda a: Reply(body={"status": "COMPLETE", "results": [result]}))
    client = hubspot(stub)
    client.association_batch = 2
    pages = list(client.associations("contacts", "companies", ["1", "2", "3"]))
    assert pages == [[{"from_id": "1", "to_id": 9, "association_type_id": 1}]] * 2
    assert [json.loads(a.body)["inputs"] for a in stub.hits(path)] == [
        [{"id": "1"}, {"id": "2"}],
        [{"id": "3"}],
    ]


# ---------------------------------------------------------------- Salesforce


def test_salesforce_query_all_follows_next_records_url(stub):
    base = "/services/data/v62.0"
    stub.script(
        f"{base}/queryAll",
        Reply(
            body={"done": False, "nextRecordsUrl": f"{base}/query/01g-2", "records": [{"Id": "1"}]}
        ),
    )
    stub.script(f"{base}/query/01g-2", Reply(body={"done": True, "records": [{"Id": "2"}]}))
    credentials = {"client_id": "cid", "client_secret": "cs", "refresh_token": "rt-salesforce"}
    endpoint = Endpoint(stub.url, credentials, token_url=f"{stub.url}/token")
    client = SalesforceClient.from_endpoint(endpoint, **FAST)
    pages = list(client.query_all("SELECT Id FROM Lead WHERE IsDeleted = true"))
    assert pages == [[{"Id": "1"}], [{"Id": "2"}]]
    assert stub.hits(f"{base}/queryAll")[0].query == {
        "q": "SELECT Id FROM Lead WHERE IsDeleted = true"
    }
    assert (
        stub.hits(f"{base}/query/01g-2")[0].headers["authorization"]
        == "Bearer access-1-secretvalue"
    )


def test_salesforce_needs_an_instance_url_outside_the_sandbox():
    with pytest.raises(CredentialsError, match="instance_url"):
        SalesforceClient.from_credentials(
            {"client_id": "c", "client_secret": "s", "refresh_token": "r"}
        )


# ---------------------------------------------------------------- Google Ads, GA4


def test_google_ads_search_stream_batches_and_headers(stub):
    credentials = {
        "developer_token": "dev-token-value",
        "client_id": "cid",
        "client_secret": "cs",
        "refresh_token": "rt-google",
        "customer_ids": "123-456-7890, 222",
        "login_customer_id": "999-000-1111",
    }
    endpoint = Endpoint(stub.url, credentials, token_url=f"{stub.url}/token")
    client = GoogleAdsClient.from_endpoint(endpoint, **FAST)
    assert client.customer_ids == ["1234567890", "222"]
    path = f"/{spoken('google_ads')}/customers/1234567890/googleAds:searchStream"
    stub.script(
        path,
        Reply(
            body=[
                {"results": [{"campaign": {"id": "1"}}]},
                {"results": [{"campaign": {"id": "2"}}]},
            ]
        ),
    )
    pages = list(client.search_stream("123-456-7890", "SELECT campaign.id FROM campaign"))
    assert pages == [[{"campaign": {"id": "1"}}], [{"campaign": {"id": "2"}}]]
    arrival = stub.hits(path)[0]
    assert json.loads(arrival.body) == {"query": "SELECT campaign.id FROM campaign"}
    assert arrival.headers["developer-token"] == "dev-token-value"
    assert arrival.headers["login-customer-id"] == "9990001111"
    assert arrival.headers["authorization"].startswith("Bearer access-")


def test_ga4_run_report_pages_by_offset_until_row_count(stub):
    path = "/v1beta/properties/42:runReport"

    def report(arrival: Arrival) -> Reply:
        body = json.loads(arrival.body)
        rows = [
            {"dimensionValues": [{"value": f"2026010{i}"}], "metricValues": [{"value": str(i)}]}
            for i in range(1, 6)
        ][body["offset"] : body["offset"] + body["limit"]]
        return Reply(
            body={
                "dimensionHeaders": [{"name": "date"}],
                "metricHeaders": [{"name": "sessions", "type": "TYPE_INTEGER"}],
                "rows": rows,
                "rowCount": 5,
            }
        )

    stub.route(path, report)
    credentials = {
        "client_id": "c",
        "client_secret": "s",
        "refresh_token": "r-ga4",
        "property_id": "42",
    }
    client = GA4Client.from_endpoint(
        Endpoint(stub.url, credentials, token_url=f"{stub.url}/token"), **FAST
    )
    client.page_limit = 2
    pages = list(client.run_report(date(2026, 1, 1), date(2026, 1, 5), ["date"], ["sessions"]))
    assert [len(p) for p in pages] == [2, 2, 1]
    assert pages[0][0] == {"date": "20260101", "sessions": "1"}
    assert [json.loads(a.body)["offset"] for a in stub.hits(path)] == [0, 2, 4]


# ---------------------------------------------------------------- Meta, LinkedIn


def test_meta_insights_windows_and_cursor_paging(stub):
    path = f"/{spoken('meta_ads')}/act_77/insights"
    stub.script(
        path,
        Reply(
            body={
                "data": [{"adset_id": "1"}],
                "paging": {"cursors": {"after": "c1"}, "next": "http://x/next"},
            }
        ),
        Reply(body={"data": [{"adset_id": "2"}], "paging": {"cursors": {"after": "c2"}}}),
        Reply(body={"data": [{"adset_id": "3"}], "paging": {"cursors": {"after": "c3"}}}),
    )
    endpoint = Endpoint(stub.url, {"access_token": "meta-token-xyz", "account_ids": ["act_77"]})
    client = MetaAdsClient.from_endpoint(endpoint, **FAST)
    assert client.account_ids == ["77"]
    pages = list(
        client.insights("77", "adset", date(2026, 1, 1), date(2026, 2, 5), ["adset_id", "spend"])
    )
    assert pages == [[{"adset_id": "1"}], [{"adset_id": "2"}], [{"adset_id": "3"}]]
    first, second, third = stub.hits(path)
    assert json.loads(first.query["time_range"]) == {"since": "2026-01-01", "until": "2026-01-31"}
    assert json.loads(third.query["time_range"]) == {"since": "2026-02-01", "until": "2026-02-05"}
    assert first.query["access_token"] == "meta-token-xyz" and first.query["time_increment"] == "1"
    assert second.query["after"] == "c1" and "after" not in third.query


def test_linkedin_analytics_split_by_date_with_restli_syntax(stub):
    stub.route(
        "/rest/adAnalytics", lambda a: Reply(body={"elements": [{"q": a.raw_query}], "paging": {}})
    )
    credentials = {"access_token": "li-token-value", "account_ids": "urn:li:sponsoredAccount:5"}
    client = LinkedInAdsClient.from_endpoint(Endpoint(stub.url, credentials), **FAST)
    client.analytics_window_days = 30
    pages = list(client.ad_analytics("5", date(2026, 1, 1), date(2026, 2, 10), ["impressions"]))
    assert len(pages) == 2
    first = stub.hits("/rest/adAnalytics")[0]
    assert first.raw_query == (
        "q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY"
        "&dateRange=(start:(year:2026,month:1,day:1),end:(year:2026,month:1,day:30))"
        "&accounts=List(urn%3Ali%3AsponsoredAccount%3A5)&fields=impressions,dateRange,pivotValues"
    )
    assert first.headers["linkedin-version"] == spoken("linkedin_ads")
    assert first.headers["x-restli-protocol-version"] == "2.0.0"


def test_linkedin_campaigns_page_token(stub):
    path = "/rest/adAccounts/5/adCampaigns"
    stub.script(
        path,
        Reply(body={"elements": [{"id": 1}], "metadata": {"nextPageToken": "n1"}}),
        Reply(body={"elements": [{"id": 2}], "metadata": {}}),
    )
    client = LinkedInAdsClient.from_endpoint(
        Endpoint(stub.url, {"access_token": "t", "account_ids": "5"}), **FAST
    )
    assert list(client.campaigns("5")) == [[{"id": 1}], [{"id": 2}]]
    assert stub.hits(path)[1].query == {"q": "search", "pageSize": "100", "pageToken": "n1"}


def test_date_windows_cover_the_range_exactly():
    windows = list(date_windows(date(2026, 1, 1), date(2026, 1, 10), 4))
    assert windows == [
        (date(2026, 1, 1), date(2026, 1, 4)),
        (date(2026, 1, 5), date(2026, 1, 8)),
        (date(2026, 1, 9), date(2026, 1, 10)),
    ]
    assert list(date_windows(date(2026, 1, 2), date(2026, 1, 1), 4)) == []
