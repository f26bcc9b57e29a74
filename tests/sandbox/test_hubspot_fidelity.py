"""The HubSpot stand-in answers what open-source HubSpot connectors ask on their first requests
(issue #15): object types spelled any way HubSpot accepts, standard objects the company has none
of, associations to types a record has none of, owners, the deal pipeline, newer OAuth paths."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.fixture_world import CREDENTIALS

EMPTY = ("tickets", "products", "line_items", "quotes", "calls", "emails", "meetings", "notes",
         "tasks")  # fmt: skip


@pytest.fixture(scope="module")
def hs(crm_sandbox):
    with crm_sandbox.hubspot() as client:
        yield client


def test_associations_to_types_a_record_has_none_of_are_left_out(hs):
    response = hs.get(
        "/crm/v3/objects/contacts",
        params={"associations": "deals,products,tickets,quotes", "limit": 3},
    )
    assert response.status_code == 200, response.text
    first = response.json()["results"][0]
    assert set(first.get("associations", {})) <= {"deals"}
    assert first["associations"]["deals"]["results"][0]["type"] == "contact_to_deal"


@pytest.mark.parametrize("spelling", ["contacts", "contact", "0-1", "CONTACT"])
def test_object_types_singular_plural_and_ids(hs, spelling):
    plural = hs.get("/crm/v3/objects/contacts", params={"limit": 2}).json()["results"]
    assert hs.get(f"/crm/v3/objects/{spelling}", params={"limit": 2}).json()["results"] == plural
    legacy = hs.get(f"/properties/v2/{spelling}/properties")
    assert legacy.status_code == 200 and "email" in {p["name"] for p in legacy.json()}
    v3 = hs.get(f"/crm/v3/properties/{spelling}").json()["results"]
    assert "lifecyclestage" in {p["name"] for p in v3}


@pytest.mark.parametrize("object_type", EMPTY)
def test_standard_objects_without_records_are_empty_with_definitions(hs, object_type):
    listed = hs.get(f"/crm/v3/objects/{object_type}")
    assert listed.status_code == 200 and listed.json() == {"results": []}
    searched = hs.post(f"/crm/v3/objects/{object_type}/search", json={"limit": 10})
    assert searched.json() == {"total": 0, "results": []}
    assert hs.get(f"/crm/v3/objects/{object_type}/1").status_code == 404
    names = {p["name"] for p in hs.get(f"/crm/v3/properties/{object_type}").json()["results"]}
    assert {"createdate", "hs_lastmodifieddate", "hs_object_id"} <= names
    assert len(names) > 3


def test_an_unknown_object_type_is_still_refused(hs):
    response = hs.get("/crm/v3/objects/widgets")
    assert response.status_code == 400
    assert "Unable to infer object type from: widgets" in response.text


def test_deal_pipeline_has_the_stages_the_deals_use(hs):
    (pipeline,) = hs.get("/crm/v3/pipelines/deals").json()["results"]
    assert pipeline["id"] == "default"
    stages = {s["id"]: s for s in pipeline["stages"]}
    used = {
        d["properties"]["dealstage"]
        for d in hs.get("/crm/v3/objects/deals", params={"limit": 100}).json()["results"]
    }
    assert set(stages) == used == {"qualifiedtobuy", "closedwon"}
    assert stages["closedwon"]["metadata"] == {"isClosed": "true", "probability": "1.0"}
    assert hs.get("/crm/v3/pipelines/tickets").json() == {"results": []}


def test_owners_are_the_ones_records_reference(hs):
    body = hs.get("/crm/v3/owners").json()
    assert body == {"results": []}  # the fixture's records have no owner


@pytest.mark.parametrize("version", ["v1", "v3", "2026-03"])
def test_oauth_token_paths(crm_sandbox, version):
    creds = CREDENTIALS["hubspot"]
    form = {"grant_type": "refresh_token",
            **{k: creds[k] for k in ("client_id", "client_secret", "refresh_token")}}  # fmt: skip
    response = httpx.post(f"{crm_sandbox.info.urls['hubspot']}/oauth/{version}/token", data=form)
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "bearer"


def test_207_error_items_carry_errors_and_links(hs):
    response = hs.post(
        "/crm/v3/objects/contacts/batch/read",
        json={"inputs": [{"id": "1003"}, {"id": "424242"}], "properties": ["email"]},
    )
    assert response.status_code == 207
    (error,) = response.json()["errors"]
    assert error["errors"] == [] and error["links"] == {}


def _page_through(hs, url: str, list_key: str, more_key: str, **params) -> list[dict]:
    records, offset = [], 0
    while True:
        body = hs.get(url, params={**params, "offset": offset}).json()
        records += body[list_key]
        if not body[more_key]:
            return records
        offset = body["offset"]


def test_legacy_companies_and_deals_page_with_offsets(hs):
    companies = _page_through(
        hs, "/companies/v2/companies/paged", "companies", "has-more", limit=15,
        properties=["name", "createdate"],
    )  # fmt: skip
    assert len(companies) == len({c["companyId"] for c in companies}) == 40
    name = companies[0]["properties"]["name"]
    assert name["value"] == "Company 1" and set(name) == {
        "value", "timestamp", "source", "sourceId", "versions"}  # fmt: skip
    assert companies[0]["properties"]["createdate"]["value"].isdigit()  # epoch ms
    deals = _page_through(hs, "/deals/v1/deal/paged", "deals", "hasMore", limit=7,
                          includeAllProperties="true")  # fmt: skip
    assert len(deals) == 30 and "dealstage" in deals[0]["properties"]
    detail = hs.get(f"/companies/v2/companies/{companies[0]['companyId']}").json()
    assert detail["properties"]["domain"]["value"] == "company1.example.com"
    assert hs.get("/companies/v2/companies/424242").status_code == 404


def test_legacy_recent_modified_and_properties(hs):
    recent = hs.get("/deals/v1/deal/recent/modified", params={"count": 5}).json()
    assert recent["total"] == 30 and recent["hasMore"] and len(recent["results"]) == 5
    stamps = [r["properties"]["hs_lastmodifieddate"]["value"] for r in recent["results"]]
    assert stamps == sorted(stamps, reverse=True)
    for url in ("/companies/v2/properties", "/properties/v1/deals/properties"):
        assert "createdate" in {p["name"] for p in hs.get(url).json()}
