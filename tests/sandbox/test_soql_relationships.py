"""SOQL parent relationship fields (`Account.Name` on Contact) and `COUNT()`, as connectors such
as simple-salesforce users and Airbyte's Salesforce source write them (issue #15)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def sf(crm_sandbox):
    with crm_sandbox.salesforce() as client:
        yield client


def test_parent_fields_are_nested_records(sf):
    soql = "SELECT Id, Account.Name, Account.Id, LastName FROM Contact ORDER BY Id LIMIT 2"
    response = sf.get("/query", params={"q": soql})
    assert response.status_code == 200, response.text
    first = response.json()["records"][0]
    account = first["Account"]
    assert account["attributes"]["type"] == "Account"
    assert account["attributes"]["url"].endswith(f"/sobjects/Account/{account['Id']}")
    assert account["Name"] and account["Id"].startswith("001")
    assert list(first) == ["attributes", "Id", "Account", "LastName"]


def test_an_unset_reference_renders_null(sf):
    soql = "SELECT Id, ConvertedContact.LastName FROM Lead WHERE IsConverted = false LIMIT 1"
    response = sf.get("/query", params={"q": soql})
    assert response.status_code == 200, response.text
    assert response.json()["records"][0]["ConvertedContact"] is None


def test_an_unknown_relationship_is_invalid_field(sf):
    response = sf.get("/query", params={"q": "SELECT Id, Widget.Name FROM Contact"})
    assert response.status_code == 400
    (error,) = response.json()
    assert error["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Widget.Name' on entity 'Contact'" in error["message"]


def test_count(sf):
    body = sf.get("/query", params={"q": "SELECT COUNT() FROM Contact"}).json()
    assert body["done"] is True and body["records"] == [] and body["totalSize"] > 0
