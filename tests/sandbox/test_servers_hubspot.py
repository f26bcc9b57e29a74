"""The HubSpot stand-in over real loopback HTTP: the CRM v3/v4 and marketing contracts."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.fixture_world import CONTACTS, EMAIL_EVENTS, FORM_GUID, FORM_SUBMISSIONS

CONTACTS_URL = "/crm/v3/objects/contacts"
LIVE_CONTACTS = CONTACTS - CONTACTS // 10  # every 10th contact is archived


@pytest.fixture(scope="module")
def hs(crm_sandbox):
    with crm_sandbox.hubspot() as client:
        yield client


def page_through(client: httpx.Client, url: str) -> list[dict]:
    """Follow `paging.next.link` (absolute, like dlt's HubSpot source does)."""
    records = []
    while url:
        body = client.get(url).raise_for_status().json()
        records += body["results"]
        url = body.get("paging", {}).get("next", {}).get("link")
    return records


def test_list_pages_by_absolute_link_and_hides_archived(hs, crm_sandbox):
    records = page_through(hs, "/crm/v3/objects/contacts?limit=100&properties=email")
    assert len(records) == LIVE_CONTACTS
    assert len({r["id"] for r in records}) == LIVE_CONTACTS
    first = hs.get("/crm/v3/objects/contacts", params={"limit": 100}).json()
    assert first["paging"]["next"]["link"].startswith(crm_sandbox.info.urls["hubspot"])
    assert set(first["results"][0]["properties"]) == {
        "createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"
    }  # fmt: skip
    assert first["results"][0]["createdAt"].endswith("Z")


def test_list_archived_and_property_forms(hs):
    archived = page_through(hs, "/crm/v3/objects/contacts?limit=100&archived=True")
    assert len(archived) == CONTACTS // 10 and all(r["archived"] for r in archived)
    assert all("archivedAt" in r for r in archived)
    repeated = hs.get(
        "/crm/v3/objects/contacts",
        params=[("properties", "email"), ("properties", "lead_score"), ("properties", "nope")],
    ).json()["results"][0]["properties"]
    joined = hs.get(
        "/crm/v3/objects/contacts", params={"properties": "email,lead_score,nope"}
    ).json()["results"][0]["properties"]
    assert repeated == joined == {"email": "person1@example.com", "lead_score": None}


def test_list_limit_and_cursor_validation(hs):
    response = hs.get("/crm/v3/objects/contacts", params={"limit": 101})
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert "correlationId" in response.json()
    assert hs.get("/crm/v3/objects/contacts", params={"after": "x"}).status_code == 400
    assert hs.get("/crm/v3/objects/widgets").status_code == 400


def test_list_with_associations(hs):
    results = hs.get(
        "/crm/v3/objects/deals", params={"associations": "contacts,companies", "limit": 5}
    ).json()["results"]
    assert results[0]["associations"]["contacts"]["results"] == [
        {"id": "1001", "type": "deal_to_contact"}
    ]


def test_get_by_id_and_by_email(hs):
    assert hs.get("/crm/v3/objects/contacts/1002").json()["properties"]["email"] == (
        "person2@example.com"
    )
    by_email = hs.get(
        "/crm/v3/objects/contacts/PERSON7@example.com", params={"idProperty": "email"}
    ).json()
    assert by_email["id"] == "1007"
    missing = hs.get("/crm/v3/objects/contacts/999999")
    assert missing.status_code == 404 and missing.json()["category"] == "OBJECT_NOT_FOUND"


def search(hs, body, object_type="contacts"):
    return hs.post(f"/crm/v3/objects/{object_type}/search", json=body)


def test_search_incremental_filter_sort_and_paging(hs):
    since = "1769900000000"  # 2026-01-31T22:53:20Z: the 60 bulk-updated contacts and later
    body = {
        "filterGroups": [{"filters": [
            {"propertyName": "lastmodifieddate", "operator": "GTE", "value": since}]}],
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "properties": ["email", "lastmodifieddate"],
        "limit": 50,
    }  # fmt: skip
    first = search(hs, body).json()
    seen = list(first["results"])
    after = first["paging"]["next"]["after"]
    while after:
        page = search(hs, {**body, "after": after}).json()
        seen += page["results"]
        after = page.get("paging", {}).get("next", {}).get("after")
    assert len(seen) == first["total"] and not any(r["archived"] for r in seen)
    stamps = [r["properties"]["lastmodifieddate"] for r in seen]
    assert stamps == sorted(stamps)
    assert len({r["id"] for r in seen}) == len(seen)


def test_search_operators(hs):
    def total(*filters):
        return search(hs, {"filterGroups": [{"filters": list(filters)}]}).json()["total"]

    assert total({"propertyName": "email", "operator": "EQ", "value": "PERSON2@example.com"}) == 1
    assert (
        total(
            {"propertyName": "hs_object_id", "operator": "IN", "values": ["1001", "1002", "1010"]}
        )
        == 2
    )
    assert total({"propertyName": "lead_score", "operator": "HAS_PROPERTY"}) == 0
    assert (
        total({"propertyName": "createdate", "operator": "LT", "value": "2025-09-01T05:00:00Z"})
        == 4
    )


def test_search_limits(hs):
    assert search(hs, {"limit": 201}).status_code == 400
    capped = search(hs, {"after": "10000"})
    assert capped.status_code == 400 and capped.json()["category"] == "VALIDATION_ERROR"
    unknown = search(hs, {"filterGroups": [{"filters": [{"propertyName": "nope", "value": "1"}]}]})
    assert unknown.status_code == 400 and "nope" in unknown.json()["message"]
    bad_json = hs.post(
        "/crm/v3/objects/contacts/search",
        content=b"{",
        headers={"content-type": "application/json"},
    )
    assert bad_json.status_code == 400


def test_batch_read_reports_missing_ids_with_207(hs):
    response = hs.post(
        "/crm/v3/objects/contacts/batch/read",
        json={"inputs": [{"id": "1003"}, {"id": "424242"}], "properties": ["email"]},
    )
    assert response.status_code == 207
    body = response.json()
    assert [r["id"] for r in body["results"]] == ["1003"]
    assert body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert body["errors"][0]["context"] == {"ids": ["424242"]}


def test_batch_read_with_history_takes_at_most_50_inputs(hs):
    response = hs.post(
        "/crm/v3/objects/contacts/batch/read",
        json={
            "inputs": [{"id": str(1001 + i)} for i in range(51)],
            "properties": ["email"],
            "propertiesWithHistory": ["email"],
        },
    )
    assert response.status_code == 400
    assert "property histories is 50" in response.json()["message"]


def test_batch_update_persists_and_bumps_modified_date(hs):
    response = hs.post(
        "/crm/v3/objects/contacts/batch/update",
        json={
            "inputs": [
                {"id": "1004", "properties": {"lead_score": 87, "lifecyclestage": "customer"}}
            ]
        },
    )
    assert response.status_code == 200 and response.json()["status"] == "COMPLETE"
    stored = hs.get(
        "/crm/v3/objects/contacts/1004", params={"properties": "lead_score,lifecyclestage"}
    ).json()
    assert stored["properties"]["lead_score"] == "87"
    assert stored["updatedAt"] == "2026-03-01T00:00:00.000Z"  # the world clock
    listed = hs.get(CONTACTS_URL, params={"limit": 5, "after": 1003, "properties": "lead_score"})
    assert listed.status_code == 200, listed.text
    assert listed.json()["results"][0]["properties"]["lead_score"] == "87"  # no stale list page


def test_batch_update_errors(hs):
    partial = hs.post(
        "/crm/v3/objects/contacts/batch/update",
        json={"inputs": [{"id": "1005", "properties": {"lead_score": "3"}},
                         {"id": "777", "properties": {"lead_score": "3"}}]},
    )  # fmt: skip
    assert partial.status_code == 207 and partial.json()["errors"][0]["context"] == {"ids": ["777"]}
    unknown = hs.post(
        "/crm/v3/objects/contacts/batch/update",
        json={"inputs": [{"id": "1005", "properties": {"no_such_prop": "x"}}]},
    )
    assert unknown.status_code == 400
    assert "PROPERTY_DOESNT_EXIST" in unknown.json()["message"]
    option = hs.post(
        "/crm/v3/objects/contacts/batch/update",
        json={"inputs": [{"id": "1005", "properties": {"lifecyclestage": "royalty"}}]},
    )
    assert option.status_code == 400 and "INVALID_OPTION" in option.json()["message"]
    too_many = hs.post(
        "/crm/v3/objects/contacts/batch/update",
        json={
            "inputs": [{"id": str(1001 + i), "properties": {"lead_score": "1"}} for i in range(101)]
        },
    )
    assert too_many.status_code == 400


def test_batch_upsert_by_email(hs):
    response = hs.post(
        "/crm/v3/objects/contacts/batch/upsert",
        json={"inputs": [
            {"id": "person8@example.com", "idProperty": "email", "properties": {"lead_score": "55"}},
            {"id": "brand.new@example.com", "idProperty": "email", "properties": {"lead_score": "9"}},
        ]},
    )  # fmt: skip
    assert response.status_code == 200
    existing, created = response.json()["results"]
    assert (existing["id"], existing["new"]) == ("1008", False)
    assert created["new"] is True and created["properties"]["email"] == "brand.new@example.com"
    assert (
        hs.get(
            f"/crm/v3/objects/contacts/{created['id']}", params={"properties": "lead_score"}
        ).json()["properties"]["lead_score"]
        == "9"
    )


def test_property_definitions(hs):
    props = {p["name"]: p for p in hs.get("/crm/v3/properties/contacts").json()["results"]}
    assert (
        props["lead_score"]["hubspotDefined"] is False and props["lead_score"]["type"] == "number"
    )
    assert props["lastmodifieddate"]["type"] == "datetime"
    assert hs.get("/crm/v3/properties/deals").json()["results"]
    legacy = hs.get("/properties/v2/contacts/properties").json()
    assert {"email", "lead_score"} <= {p["name"] for p in legacy}
    assert hs.get("/crm/v3/schemas").json() == {"results": []}


def test_associations_v4(hs):
    single = hs.get("/crm/v4/objects/contacts/1001/associations/companies").json()
    assert single["results"][0]["associationTypes"][0]["typeId"] == 279
    reverse = hs.get("/crm/v4/objects/contacts/1001/associations/deals").json()
    assert reverse["results"] == [
        {
            "toObjectId": 9001,
            "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 4, "label": None}],
        }
    ]
    batch = hs.post(
        "/crm/v4/associations/contacts/companies/batch/read",
        json={"inputs": [{"id": "1001"}, {"id": "1"}]},
    )
    assert batch.status_code == 207
    assert batch.json()["results"][0]["from"] == {"id": "1001"}


def test_email_events_offset_paging_and_filters(hs):
    events, offset = [], None
    while True:
        params = {"limit": 500, **({"offset": offset} if offset else {})}
        body = hs.get("/email/public/v1/events", params=params).json()
        events += body["events"]
        if not body["hasMore"]:
            break
        offset = body["offset"]
    assert len(events) == EMAIL_EVENTS and len({e["id"] for e in events}) == EMAIL_EVENTS
    window = hs.get(
        "/email/public/v1/events",
        params={"startTimestamp": events[10]["created"], "endTimestamp": events[19]["created"],
                "eventType": "OPEN", "limit": 1000},
    ).json()["events"]  # fmt: skip
    assert window and {e["type"] for e in window} == {"OPEN"}
    assert hs.get("/email/public/v1/events", params={"limit": 1001}).status_code == 400


def test_forms_and_submissions(hs):
    assert {f["id"] for f in hs.get("/marketing/v3/forms").json()["results"]} >= {FORM_GUID}
    assert hs.get("/forms/v2/forms").json()[0]["guid"]
    url = f"/form-integrations/v1/submissions/forms/{FORM_GUID}?limit=50"
    submissions = page_through(hs, url)
    assert len(submissions) == FORM_SUBMISSIONS
    times = [s["submittedAt"] for s in submissions]
    assert times == sorted(times, reverse=True)
    assert submissions[0]["values"][0]["name"] == "email"
    assert (
        hs.get(f"/form-integrations/v1/submissions/forms/{FORM_GUID}?limit=51").status_code == 400
    )
    assert hs.get("/form-integrations/v1/submissions/forms/nope").status_code == 404


def test_auth_errors_and_refresh(crm_sandbox):
    with crm_sandbox.hubspot("wrong") as bad:
        response = bad.get("/crm/v3/objects/contacts")
    assert response.status_code == 401
    assert response.json()["category"] == "INVALID_AUTHENTICATION"
    assert "X-HubSpot-RateLimit-Max" in response.headers
    url = crm_sandbox.info.urls["hubspot"] + "/oauth/v1/token"
    form = {"grant_type": "refresh_token", "client_id": "hs-client", "client_secret": "hs-secret",
            "refresh_token": "hs-refresh"}  # fmt: skip
    token = httpx.post(url, data=form).json()
    assert token["expires_in"] == 1800
    with crm_sandbox.hubspot(token["access_token"]) as fresh:
        assert fresh.get("/crm/v3/objects/contacts").status_code == 200
    refused = httpx.post(url, data={**form, "refresh_token": "stolen"})
    assert refused.status_code == 400 and refused.json()["status"] == "BAD_REFRESH_TOKEN"
