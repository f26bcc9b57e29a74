"""The official SDKs work against the stand-ins unchanged apart from base URL and token."""

from __future__ import annotations

import pytest
from hubspot import Client as HubSpot
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInput,
    BatchReadInputSimplePublicObjectId,
    BatchResponseSimplePublicObject,
    BatchResponseSimplePublicObjectWithErrors,
    PublicObjectSearchRequest,
)
from simple_salesforce import Salesforce

from tests.sandbox.fixture_world import CONTACTS, CREDENTIALS, LEADS


@pytest.fixture(scope="module")
def hubspot(crm_sandbox):
    url = crm_sandbox.info.urls["hubspot"]
    return HubSpot.create(
        access_token=CREDENTIALS["hubspot"]["access_token"], host=url, base_url=url
    )


@pytest.fixture(scope="module")
def salesforce(crm_sandbox):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REQUESTS_CA_BUNDLE", str(crm_sandbox.info.ca_cert))
        yield Salesforce(
            instance_url=crm_sandbox.info.urls["salesforce"],
            session_id=crm_sandbox.salesforce_token(),
            version="62.0",
        )


def test_hubspot_get_page_follows_paging(hubspot):
    ids, after = [], None
    while True:
        page = hubspot.crm.contacts.basic_api.get_page(
            limit=100, after=after, properties=["email", "lead_score"], archived=False
        )
        ids += [c.id for c in page.results]
        if page.paging is None:
            break
        after = page.paging.next.after
    assert len(ids) == CONTACTS - CONTACTS // 10
    assert page.results[0].properties.keys() >= {"email", "lead_score"}


def test_hubspot_search(hubspot):
    request = PublicObjectSearchRequest(
        filter_groups=[{"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE",
                                     "value": "1769900000000"}]}],
        sorts=[{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        properties=["email"], limit=100, after="0",
    )  # fmt: skip
    result = hubspot.crm.contacts.search_api.do_search(public_object_search_request=request)
    assert result.total > 0 and result.results[0].properties["email"]


def test_hubspot_batch_update_with_and_without_errors(hubspot):
    ok = hubspot.crm.contacts.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[{"id": "1011", "properties": {"lead_score": "42"}}]
        )
    )
    assert isinstance(ok, BatchResponseSimplePublicObject) and ok.status == "COMPLETE"
    partial = hubspot.crm.contacts.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[{"id": "1012", "properties": {"lead_score": "1"}},
                    {"id": "404404", "properties": {"lead_score": "1"}}]
        )
    )  # fmt: skip
    assert isinstance(partial, BatchResponseSimplePublicObjectWithErrors)
    assert partial.errors[0].category == "OBJECT_NOT_FOUND"
    stored = hubspot.crm.contacts.basic_api.get_by_id("1011", properties=["lead_score"])
    assert stored.properties["lead_score"] == "42"


def test_hubspot_batch_read_with_property_history(hubspot):
    hubspot.crm.contacts.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[{"id": "1013", "properties": {"lead_score": "7"}}]
        )
    )
    read = hubspot.crm.contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[{"id": "1013"}], properties=["email"],
            properties_with_history=["lead_score", "email"],
        )
    )  # fmt: skip
    (record,) = read.results
    newest = record.properties_with_history["lead_score"][0]
    assert (newest.value, newest.source_type) == ("7", "INTEGRATION")
    (created,) = record.properties_with_history["email"]  # never written: its first value
    assert created.value == record.properties["email"] and created.timestamp == record.created_at


def test_simple_salesforce_query_all_and_collections(salesforce):
    result = salesforce.query_all("SELECT Id, Email, SystemModstamp FROM Lead")
    assert result["totalSize"] == LEADS - LEADS // 50 == len(result["records"])
    deleted = salesforce.query_all(
        "SELECT Id FROM Lead WHERE IsDeleted = true", include_deleted=True
    )
    assert deleted["totalSize"] == LEADS // 50
    outcome = salesforce.restful(
        "composite/sobjects",
        method="PATCH",
        json={"allOrNone": False, "records": [
            {"attributes": {"type": "Contact"}, "id": "003000000000000005", "Lead_Score__c": 61}]},
    )  # fmt: skip
    assert outcome == [{"id": "003000000000000005", "success": True, "errors": []}]
    check = salesforce.query("SELECT Lead_Score__c FROM Contact WHERE Id = '003000000000000005'")
    assert check["records"][0]["Lead_Score__c"] == 61
    assert salesforce.Lead.describe()["name"] == "Lead"
