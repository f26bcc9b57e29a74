"""Open-source HubSpot clients from PyPI (each in its own venv: Airbyte's `source-hubspot`,
singer-io's `tap-hubspot`) read contacts, companies and deals from the HubSpot stand-in with
nothing changed but their base URL, and get exactly the records Roundtrip's own client reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.hubspot import HubSpotClient
from sandbox.state import read_json
from tests.sandbox.real_clients import (
    AIRBYTE_HUBSPOT,
    TAP_HUBSPOT,
    airbyte_read,
    rebased_package,
    singer_sync,
    venv_with,
)

pytestmark = [pytest.mark.slow, pytest.mark.real_clients]

STREAMS = ("contacts", "companies", "deals")


@pytest.fixture(scope="module")
def airbyte_venv() -> Path:
    return venv_with(AIRBYTE_HUBSPOT)


def roundtrip_ids(base_url: str, credentials: dict, object_type: str) -> set[str]:
    with HubSpotClient.from_credentials(credentials, base_url=base_url) as client:
        return {
            r["id"] for page in client.list_objects(object_type, ["hs_object_id"]) for r in page
        }


def test_airbyte_source_hubspot_reads_what_roundtrip_reads(airbyte_venv, crm_sandbox, tmp_path):
    base_url = crm_sandbox.info.urls["hubspot"]
    credentials = (read_json(crm_sandbox.paths.credentials_json) or {})["hubspot"]
    pythonpath = rebased_package(airbyte_venv, "source_hubspot", base_url, tmp_path / "pkg")
    config = {
        "start_date": "2020-01-01T00:00:00Z",
        "credentials": {
            "credentials_title": "Private App Credentials",
            "access_token": credentials["access_token"],
        },
    }
    run = airbyte_read(airbyte_venv, pythonpath, config, STREAMS, tmp_path)
    assert run.errors == []
    for stream in STREAMS:
        theirs = {str(r["id"]) for r in run.records[stream]}
        assert theirs == roundtrip_ids(base_url, credentials, stream), stream
        assert theirs
    emails = {r["properties"]["email"] for r in run.records["contacts"]}
    assert "person1@example.com" in emails


def test_singer_tap_hubspot_reads_what_roundtrip_reads(crm_sandbox, tmp_path):
    """The tap reads deals and companies from the legacy v1/v2 endpoints, contacts from v3."""
    venv = venv_with(TAP_HUBSPOT)
    base_url = crm_sandbox.info.urls["hubspot"]
    credentials = (read_json(crm_sandbox.paths.credentials_json) or {})["hubspot"]
    pythonpath = rebased_package(venv, "tap_hubspot", base_url, tmp_path / "pkg")
    config = {"api_key": credentials["access_token"], "start_date": "2020-01-01T00:00:00Z"}
    records = singer_sync(venv, pythonpath, config, STREAMS, tmp_path)
    keys = {"contacts": "id", "companies": "companyId", "deals": "dealId"}
    for stream, key in keys.items():
        theirs = {str(r[key]) for r in records[stream]}
        assert theirs == roundtrip_ids(base_url, credentials, stream), stream
        assert theirs
    names = {r["properties"]["dealname"]["value"] for r in records["deals"]}
    assert "Deal 1" in names
