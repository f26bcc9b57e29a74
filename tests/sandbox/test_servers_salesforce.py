"""The Salesforce stand-in over real loopback HTTPS: OAuth, SOQL, describe, sObject Collections."""

from __future__ import annotations

import base64
import json
import ssl
import time

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from sandbox.state import read_json
from tests.sandbox.fixture_world import LEADS

LIVE_LEADS = LEADS - LEADS // 50  # every 50th lead IsDeleted


@pytest.fixture(scope="module")
def sf(crm_sandbox):
    with crm_sandbox.salesforce() as client:
        yield client


def token_request(crm_sandbox, **form) -> httpx.Response:
    ctx = ssl.create_default_context(cafile=crm_sandbox.info.ca_cert)
    url = crm_sandbox.info.urls["salesforce"] + "/services/oauth2/token"
    return httpx.post(url, data=form, verify=ctx)


def query_all(sf: httpx.Client, soql: str, endpoint: str = "query", **headers) -> list[dict]:
    body = sf.get(f"/{endpoint}", params={"q": soql}, headers=headers).raise_for_status().json()
    records = body["records"]
    while not body["done"]:
        body = sf.get(body["nextRecordsUrl"].removeprefix("/services/data/v62.0")).json()
        records += body["records"]
    assert len(records) == body["totalSize"]
    return records


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_oauth_grants(crm_sandbox):
    refreshed = token_request(crm_sandbox, grant_type="refresh_token", client_id="sf-client",
                              client_secret="sf-secret", refresh_token="sf-refresh").json()  # fmt: skip
    assert refreshed["instance_url"] == crm_sandbox.info.urls["salesforce"]
    assert refreshed["token_type"] == "Bearer" and refreshed["issued_at"].isdigit()
    bad = token_request(crm_sandbox, grant_type="refresh_token", client_id="sf-client",
                        client_secret="sf-secret", refresh_token="nope")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
    odd = token_request(crm_sandbox, grant_type="password")
    assert odd.json()["error"] == "unsupported_grant_type"


def test_jwt_bearer_grant_with_the_generated_key(crm_sandbox):
    creds = read_json(crm_sandbox.paths.credentials_json)["salesforce"]
    key = serialization.load_pem_private_key(creds["private_key"].encode(), password=None)
    header = b64(json.dumps({"alg": "RS256"}).encode())
    claims = {"iss": creds["client_id"], "sub": creds["username"],
              "aud": "https://login.salesforce.com", "exp": int(time.time()) + 300}  # fmt: skip
    payload = b64(json.dumps(claims).encode())
    signature = b64(key.sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256()))
    grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    ok = token_request(crm_sandbox, grant_type=grant, assertion=f"{header}.{payload}.{signature}")
    assert ok.status_code == 200 and ok.json()["access_token"]
    forged = token_request(
        crm_sandbox, grant_type=grant, assertion=f"{header}.{payload}.{b64(b'x' * 256)}"
    )
    assert forged.status_code == 400 and forged.json()["error"] == "invalid_grant"


def test_versions_and_resources(crm_sandbox, sf):
    versions = httpx.get(
        crm_sandbox.info.urls["salesforce"] + "/services/data/",
        verify=ssl.create_default_context(cafile=crm_sandbox.info.ca_cert),
    ).json()
    assert {"label", "url", "version"} <= set(versions[0])
    assert sf.get("/").json()["query"] == "/services/data/v62.0/query"
    with httpx.Client(base_url=str(sf.base_url).replace("v62.0", "v58.0"), headers=sf.headers,
                      verify=ssl.create_default_context(cafile=crm_sandbox.info.ca_cert)) as old:  # fmt: skip
        assert old.get("/limits").json()["DailyApiRequests"]["Max"] == 15000


def test_query_pages_in_2000_record_batches_and_hides_deleted(sf):
    first = sf.get("/query", params={"q": "SELECT Id, Email FROM Lead"}).json()
    assert first["totalSize"] == LIVE_LEADS and len(first["records"]) == 2000
    assert first["nextRecordsUrl"].startswith("/services/data/v62.0/query/01g")
    records = query_all(sf, "SELECT Id, Email, SystemModstamp, ConvertedDate, IsDeleted FROM Lead")
    assert len({r["Id"] for r in records}) == LIVE_LEADS
    record = records[0]
    assert record["attributes"] == {
        "type": "Lead",
        "url": f"/services/data/v62.0/sobjects/Lead/{record['Id']}",
    }
    assert record["SystemModstamp"].endswith(".000+0000") and record["IsDeleted"] is False


def test_query_all_includes_deleted_and_batch_size_header(sf):
    records = query_all(sf, "SELECT Id FROM Lead WHERE IsDeleted = true", "queryAll")
    assert len(records) == LEADS // 50
    small = sf.get("/query", params={"q": "SELECT Id FROM Lead"},
                   headers={"Sforce-Query-Options": "batchSize=500"}).json()  # fmt: skip
    assert len(small["records"]) == 500


def test_incremental_where_order_limit(sf):
    soql = ("SELECT Id, SystemModstamp FROM Lead WHERE SystemModstamp > 2025-09-01T10:00:00Z "
            "AND (LeadSource = 'web' OR Email IN ('x@y.z')) ORDER BY SystemModstamp DESC LIMIT 30")  # fmt: skip
    records = query_all(sf, soql)
    assert len(records) == 30
    stamps = [r["SystemModstamp"] for r in records]
    assert stamps == sorted(stamps, reverse=True) and min(stamps) > "2025-09-01T10:00:00"
    count = sf.get("/query", params={"q": "SELECT COUNT() FROM Contact"}).json()
    assert count["totalSize"] == 100 and count["records"] == []


@pytest.mark.parametrize(
    ("soql", "code", "fragment"),
    [
        ("SELECT Id FROMM Lead", "MALFORMED_QUERY", "unexpected token: 'FROMM'"),
        (
            "SELECT Id, Nope__c FROM Lead",
            "INVALID_FIELD",
            "No such column 'Nope__c' on entity 'Lead'",
        ),
        ("SELECT Id FROM Widget", "INVALID_TYPE", "sObject type 'Widget' is not supported"),
        ("SELECT Id FROM Lead WHERE SystemModstamp > '2026-01-01'", "MALFORMED_QUERY", "dateTime"),
        ("SELECT FIELDS(ALL) FROM Lead", "MALFORMED_QUERY", "LIMIT"),
    ],
)
def test_query_errors(sf, soql, code, fragment):
    response = sf.get("/query", params={"q": soql})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == code and fragment in response.json()[0]["message"]


def test_long_urls_are_refused_with_414(sf):
    fields = ", ".join(["Email"] * 3000)
    assert sf.get("/query", params={"q": f"SELECT {fields} FROM Lead"}).status_code == 414


def test_describe_and_sobjects(sf):
    names = {s["name"] for s in sf.get("/sobjects").json()["sobjects"]}
    assert {"Lead", "Contact", "Account", "Opportunity", "Campaign"} <= names
    fields = {f["name"]: f for f in sf.get("/sobjects/Lead/describe").json()["fields"]}
    assert (
        fields["Lead_Score__c"]["custom"] is True and fields["SystemModstamp"]["type"] == "datetime"
    )
    assert sf.get("/sobjects/Widget/describe").json()[0]["errorCode"] == "NOT_FOUND"


def test_collection_update_per_record_results_and_persistence(sf):
    records = [
        {"attributes": {"type": "Lead"}, "id": "00Q000000000000011", "Lead_Score__c": 87},
        {"attributes": {"type": "Lead"}, "id": "00Q000000000000100", "Lead_Score__c": 1},  # deleted
        {"attributes": {"type": "Lead"}, "id": "00Q999999999999999", "Lead_Score__c": 1},
        {"attributes": {"type": "Lead"}, "id": "00Q000000000000012", "Nope__c": 1},
        {"attributes": {"type": "Lead"}, "id": "00Q000000000000013", "Lead_Score__c": "high"},
    ]
    results = sf.patch("/composite/sobjects", json={"allOrNone": False, "records": records}).json()
    assert results[0] == {"id": "00Q000000000000011", "success": True, "errors": []}
    codes = [r["errors"][0]["statusCode"] for r in results[1:]]
    assert codes == ["ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY", "INVALID_FIELD",
                     "INVALID_TYPE_ON_FIELD_IN_RECORD"]  # fmt: skip
    stored = query_all(
        sf, "SELECT Lead_Score__c, SystemModstamp FROM Lead WHERE Id = '00Q000000000000011'"
    )
    assert stored[0]["Lead_Score__c"] == 87 and stored[0]["SystemModstamp"].startswith("2026-03-01")


def test_collection_all_or_none_rolls_back(sf):
    records = [
        {"attributes": {"type": "Lead"}, "id": "00Q000000000000021", "Lead_Score__c": 5},
        {"attributes": {"type": "Lead"}, "id": "00Q999999999999998", "Lead_Score__c": 5},
    ]
    results = sf.patch("/composite/sobjects", json={"allOrNone": True, "records": records}).json()
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    stored = query_all(sf, "SELECT Lead_Score__c FROM Lead WHERE Id = '00Q000000000000021'")
    assert stored[0]["Lead_Score__c"] is None
    too_many = sf.patch("/composite/sobjects", json={"records": records * 101})
    assert too_many.status_code == 400 and too_many.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_collection_upsert_by_external_id(sf):
    records = [
        {
            "attributes": {"type": "Lead"},
            "Roundtrip_Customer_Id__c": "cust-30",
            "Lead_Score__c": 12,
        },
        {"attributes": {"type": "Lead"}, "Roundtrip_Customer_Id__c": "cust-new", "LastName": "N"},
    ]
    results = sf.patch("/composite/sobjects/Lead/Roundtrip_Customer_Id__c",
                       json={"allOrNone": False, "records": records}).json()  # fmt: skip
    assert results[0] == {
        "id": "00Q000000000000030",
        "success": True,
        "errors": [],
        "created": False,
    }
    assert results[1]["created"] is True and results[1]["id"].startswith("00Q")
    assert len(results[1]["id"]) == 18
    created = query_all(
        sf, "SELECT Id, LastName FROM Lead WHERE Roundtrip_Customer_Id__c = 'cust-new'"
    )
    assert created[0]["LastName"] == "N"
    not_external = sf.patch("/composite/sobjects/Lead/Email", json={"records": records})
    assert (
        not_external.status_code == 400 and not_external.json()[0]["errorCode"] == "INVALID_FIELD"
    )


def test_bad_session_and_limit_header(crm_sandbox, sf):
    with crm_sandbox.salesforce("forged") as bad:
        response = bad.get("/query", params={"q": "SELECT Id FROM Lead"})
    assert response.status_code == 401
    assert response.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    usage = sf.get("/limits").headers["Sforce-Limit-Info"]
    assert usage.startswith("api-usage=") and usage.endswith("/15000")
