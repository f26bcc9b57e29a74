"""The HubSpot stand-in's Communication Preferences (2026-03 unsubscribe-all) over real loopback
HTTP: auth and rate-limit headers as every HubSpot route, the opt-out read back on the contact,
HubSpot's errors, and `hs_email_optout` refused as a read-only property on CRM writes."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.fixture_world import CREDENTIALS

UNSUBSCRIBE = "/communication-preferences/2026-03/statuses/{}/unsubscribe-all"


@pytest.fixture(scope="module")
def hs(crm_sandbox):
    with crm_sandbox.hubspot() as client:
        yield client


def _contact(hs: httpx.Client, contact_id: int) -> dict:
    return hs.get(
        f"/crm/v3/objects/contacts/{contact_id}", params={"properties": "hs_email_optout,email"}
    ).json()


def test_needs_a_token_and_carries_the_rate_limit_headers(crm_sandbox):
    with crm_sandbox.hubspot(token="not-a-token") as anonymous:
        response = anonymous.post(
            UNSUBSCRIBE.format("person2@example.com"), params={"channel": "EMAIL"}
        )
    assert response.status_code == 401
    assert response.json()["category"] == "INVALID_AUTHENTICATION"
    assert "X-HubSpot-RateLimit-Max" in response.headers
    assert CREDENTIALS["hubspot"]["access_token"] != "not-a-token"


def test_unsubscribe_all_sets_the_opt_out_on_the_contact(hs):
    before = _contact(hs, 1003)
    assert before["properties"]["hs_email_optout"] == "false"
    response = hs.post(
        UNSUBSCRIBE.format("Person3@Example.com"), params={"channel": "EMAIL", "verbose": "true"}
    )
    assert response.status_code == 200, response.text
    assert "X-HubSpot-RateLimit-Remaining" in response.headers
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert [(r["channel"], r["status"], r["subscriberIdString"]) for r in body["results"]] == [
        ("EMAIL", "UNSUBSCRIBED", "person3@example.com")
    ]
    after = _contact(hs, 1003)
    assert after["properties"]["hs_email_optout"] == "true"
    assert after["updatedAt"] != before["updatedAt"]  # the loaders' cursor sees the change
    status = hs.get(UNSUBSCRIBE.format("person3@example.com")).json()
    assert [r["status"] for r in status["results"]] == ["UNSUBSCRIBED"]
    again = hs.post(UNSUBSCRIBE.format("person3@example.com"), params={"channel": "EMAIL"})
    assert again.status_code == 200 and again.json()["results"] == []  # not verbose


def test_unknown_address_and_missing_channel_are_hubspot_errors(hs):
    unknown = hs.post(UNSUBSCRIBE.format("nobody@example.com"), params={"channel": "EMAIL"})
    assert unknown.status_code == 404
    assert unknown.json()["category"] == "OBJECT_NOT_FOUND"
    assert "nobody@example.com" in unknown.json()["message"] and unknown.json()["correlationId"]
    no_channel = hs.post(UNSUBSCRIBE.format("person2@example.com"))
    assert no_channel.status_code == 400
    assert no_channel.json()["category"] == "VALIDATION_ERROR"
    assert hs.get(UNSUBSCRIBE.format("person2@example.com")).json()["results"] == []


def test_the_opt_out_property_is_read_only(hs):
    definition = hs.get("/crm/v3/properties/contacts/hs_email_optout").json()
    assert definition["modificationMetadata"]["readOnlyValue"] is True
    response = hs.post(
        "/crm/v3/objects/contacts/batch/update",
        json={"inputs": [{"id": "1004", "properties": {"hs_email_optout": "true"}}]},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR" and "READ_ONLY_VALUE" in body["message"]
    assert _contact(hs, 1004)["properties"]["hs_email_optout"] == "false"
