"""Fault injection: every switch, through faults.json, against the running stand-ins."""

from __future__ import annotations

import time

import httpx
import orjson
import pytest

from sandbox.faults import Faults, SandboxSettingError, read_faults, set_faults, update_faults

CONTACTS_URL = "/crm/v3/objects/contacts"


@pytest.fixture
def hs(crm_sandbox):
    set_faults(crm_sandbox.paths, "hubspot")
    with crm_sandbox.hubspot() as client:
        yield client
    set_faults(crm_sandbox.paths, "hubspot")


def test_update_faults_parses_merges_and_clears(tmp_path):
    from sandbox.state import SandboxPaths

    paths = SandboxPaths(tmp_path)
    assert update_faults("hubspot", ["error_rate=0.3", "burst_429=5"], paths=paths) == (
        "hubspot: burst_429=5 error_rate=0.3"
    )
    update_faults("hubspot", ["rate_limit=100/10", "burst_429=off"], paths=paths)
    assert read_faults(paths, "hubspot") == Faults(error_rate=0.3, rate_limit="100/10")
    assert update_faults("hubspot", [], clear=True, paths=paths) == "hubspot: no faults"
    for bad, named in [("error_rate=2", "error_rate"), ("nope=1", "latency_ms"),
                       ("rate_limit=10", "N/S"), ("salesforce", "KEY=VALUE")]:  # fmt: skip
        with pytest.raises(SandboxSettingError, match=named):
            update_faults("hubspot", [bad], paths=paths)
    with pytest.raises(SandboxSettingError, match="unknown vendor"):
        update_faults("hubspot_x", [], paths=paths)


def test_latency(crm_sandbox, hs):
    set_faults(crm_sandbox.paths, "hubspot", latency_ms=300)
    started = time.monotonic()
    assert hs.get(CONTACTS_URL).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_error_rate_is_reproducible_with_a_seed(crm_sandbox, hs):
    def responses() -> list[httpx.Response]:
        set_faults(crm_sandbox.paths, "hubspot", error_rate=0.5, seed=3)
        return [hs.get(CONTACTS_URL, params={"limit": 1}) for _ in range(20)]

    first = [r.status_code for r in responses()]
    assert set(first) == {200, 500}
    again = responses()  # rewriting faults.json restarts the RNG
    assert [r.status_code for r in again] == first
    failed = next(r for r in again if r.status_code == 500)
    assert failed.json()["category"] == "INTERNAL_ERROR"


def test_burst_429_with_retry_after(crm_sandbox, hs):
    set_faults(crm_sandbox.paths, "hubspot", burst_429=2, retry_after=3)
    for _ in range(2):
        response = hs.get(CONTACTS_URL)
        assert response.status_code == 429 and response.headers["Retry-After"] == "3"
        assert response.json()["policyName"] == "TEN_SECONDLY_ROLLING"
        assert response.json()["errorType"] == "RATE_LIMIT"
    assert hs.get(CONTACTS_URL).status_code == 200


def test_rate_limit_headers_and_enforcement(crm_sandbox, hs):
    set_faults(crm_sandbox.paths, "hubspot", rate_limit="3/60")
    remaining = []
    for _ in range(3):
        response = hs.get(CONTACTS_URL, params={"limit": 1})
        assert response.status_code == 200
        assert response.headers["X-HubSpot-RateLimit-Max"] == "3"
        assert response.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "60000"
        remaining.append(int(response.headers["X-HubSpot-RateLimit-Remaining"]))
    assert remaining == [2, 1, 0]
    refused = hs.get(CONTACTS_URL)
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60


def test_salesforce_daily_limit_is_a_403(crm_sandbox):
    with crm_sandbox.salesforce() as sf:
        set_faults(crm_sandbox.paths, "salesforce", rate_limit="2/86400")
        try:
            assert [sf.get("/limits").status_code for _ in range(2)] == [200, 200]
            refused = sf.get("/limits")
            assert refused.status_code == 403 and "Retry-After" not in refused.headers
            assert refused.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
            assert refused.headers["Sforce-Limit-Info"] == "api-usage=3/2"
        finally:
            set_faults(crm_sandbox.paths, "salesforce")


def test_token_ttl_expiry_then_refresh(crm_sandbox, hs):
    set_faults(crm_sandbox.paths, "hubspot", token_ttl=1)
    form = {"grant_type": "refresh_token", "client_id": "hs-client", "client_secret": "hs-secret",
            "refresh_token": "hs-refresh"}  # fmt: skip
    token_url = crm_sandbox.info.urls["hubspot"] + "/oauth/v1/token"
    token = httpx.post(token_url, data=form).json()
    assert token["expires_in"] == 1
    with crm_sandbox.hubspot(token["access_token"]) as client:
        assert client.get(CONTACTS_URL).status_code == 200
        time.sleep(2.05)
        expired = client.get(CONTACTS_URL)
    assert expired.status_code == 401 and expired.json()["category"] == "EXPIRED_AUTHENTICATION"
    set_faults(crm_sandbox.paths, "hubspot")
    fresh = httpx.post(token_url, data=form).json()
    assert fresh["expires_in"] == 1800
    with crm_sandbox.hubspot(fresh["access_token"]) as client:
        assert client.get(CONTACTS_URL).status_code == 200


def test_malformed_page_once(crm_sandbox, hs):
    set_faults(crm_sandbox.paths, "hubspot", malformed_page=2)
    first = hs.get(CONTACTS_URL, params={"limit": 100})
    orjson.loads(first.content)
    after = first.json()["paging"]["next"]["after"]
    second = hs.get(CONTACTS_URL, params={"limit": 100, "after": after})
    assert second.status_code == 200
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(second.content)
    again = hs.get(CONTACTS_URL, params={"limit": 100, "after": after})
    assert orjson.loads(again.content)["results"]


def test_schema_drift_new_and_retyped_fields(crm_sandbox, hs):
    hs.post(
        "/crm/v3/objects/contacts/batch/update",
        json={"inputs": [{"id": "1001", "properties": {"lead_score": "87"}}]},
    ).raise_for_status()
    set_faults(
        crm_sandbox.paths, "hubspot", new_field="favourite_colour", retype_field="lead_score"
    )
    record = hs.get(CONTACTS_URL, params={"limit": 1, "properties": "lead_score"}).json()[
        "results"
    ][0]
    assert record["properties"] == {"lead_score": 87, "favourite_colour": "sandbox_drift"}
    with crm_sandbox.salesforce() as sf:
        set_faults(crm_sandbox.paths, "salesforce", new_field="Drifted__c")
        try:
            lead = sf.get("/query", params={"q": "SELECT Id FROM Lead LIMIT 1"}).json()["records"][
                0
            ]
            assert lead["Drifted__c"] == "sandbox_drift"
        finally:
            set_faults(crm_sandbox.paths, "salesforce")
