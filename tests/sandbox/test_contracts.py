"""Contract tests from the vendors' own published definitions (issue #15): the stand-ins'
responses, and Roundtrip's requests, checked against

- HubSpot: the models `hubspot-api-client` generates from HubSpot's OpenAPI documents (every key
  the stand-in sends, and Roundtrip's search/batch/association requests, must be fields of the
  model; the SDK's deserializer checks required ones);
- GA4 Data API: the `google-analytics-data` protobuf messages, parsed strictly (unknown fields
  fail), for the stand-in's runReport responses and Roundtrip's runReport requests;
- Meta: `facebook-business`'s field lists for insights, campaigns and ad sets, and the API
  version that SDK speaks;
- Google Ads: the `google-ads` library's protobuf messages for the version spoken (its own venv,
  tests/sandbox/real_clients.py), parsed strictly, for Roundtrip's searchStream requests and the
  stand-in's batches and errors.

Deliberate deviations are listed in sandbox/README.md with their reasons.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from connectors.api_versions import lifecycle
from tests.sandbox.fixture_ads_world import CREDENTIALS, build_ads_world, serve

# ----------------------------------------------------------------------------------- HubSpot


def conforms(model: Any, data: Any, nested: dict[str, Any] | None = None, path: str = "$") -> None:
    """Every key of `data` is a field of the SDK model; `nested` names the models of fields."""
    assert isinstance(data, dict), f"{path}: expected an object"
    known = set(model.attribute_map.values())
    unknown = set(data) - known
    assert not unknown, f"{path}: {sorted(unknown)} not in {model.__name__}"
    for key, sub in (nested or {}).items():
        value = data.get(key)
        sub_model, sub_nested = sub if isinstance(sub, tuple) else (sub, None)
        for i, item in enumerate(value if isinstance(value, list) else [value] if value else []):
            conforms(sub_model, item, sub_nested, f"{path}.{key}[{i}]")


def deserialize(data: Any, type_name: str, module: str) -> Any:
    """The SDK's own deserialization (it checks required fields)."""
    import importlib

    api_client = importlib.import_module(f"hubspot.crm.{module}.api_client").ApiClient()
    response = type("Response", (), {"data": json.dumps(data)})()
    return api_client.deserialize(response, type_name)


@pytest.fixture(scope="module")
def hs(crm_sandbox):
    with crm_sandbox.hubspot() as client:
        yield client


def test_hubspot_lists_search_and_batches_match_the_crm_models(hs):
    m = pytest.importorskip("hubspot.crm.contacts.models")
    listed = hs.get("/crm/v3/objects/contacts", params={"limit": 5, "associations": "deals"}).json()
    paging = (m.ForwardPaging, {"next": m.NextPage})
    conforms(
        m.CollectionResponseSimplePublicObjectWithAssociationsForwardPaging,
        listed,
        {"results": m.SimplePublicObjectWithAssociations, "paging": paging},
    )
    deserialize(listed, "CollectionResponseSimplePublicObjectWithAssociationsForwardPaging",
                "contacts")  # fmt: skip
    found = hs.post("/crm/v3/objects/contacts/search", json={"limit": 5}).json()
    conforms(
        m.CollectionResponseWithTotalSimplePublicObjectForwardPaging,
        found,
        {"results": m.SimplePublicObject, "paging": paging},
    )
    batch = hs.post(
        "/crm/v3/objects/contacts/batch/read",
        json={"inputs": [{"id": "1003"}, {"id": "424242"}], "properties": ["email"]},
    ).json()
    conforms(
        m.BatchResponseSimplePublicObjectWithErrors,
        batch,
        {"results": m.SimplePublicObject, "errors": m.StandardError},
    )
    deserialize(batch, "BatchResponseSimplePublicObjectWithErrors", "contacts")


def test_hubspot_properties_owners_and_pipelines_match_their_models(hs):
    props = pytest.importorskip("hubspot.crm.properties.models")
    owners = pytest.importorskip("hubspot.crm.owners.models")
    pipelines = pytest.importorskip("hubspot.crm.pipelines.models")
    for object_type in ("contacts", "tickets"):
        body = hs.get(f"/crm/v3/properties/{object_type}").json()
        conforms(
            props.CollectionResponsePropertyNoPaging,
            body,
            {"results": (props.ModelProperty, {"options": props.Option})},
        )
        deserialize(body, "CollectionResponsePropertyNoPaging", "properties")
    conforms(owners.CollectionResponsePublicOwnerForwardPaging, hs.get("/crm/v3/owners").json(),
             {"results": owners.PublicOwner})  # fmt: skip
    body = hs.get("/crm/v3/pipelines/deals").json()
    conforms(
        pipelines.CollectionResponsePipelineNoPaging,
        body,
        {"results": (pipelines.Pipeline, {"stages": pipelines.PipelineStage})},
    )
    deserialize(body, "CollectionResponsePipelineNoPaging", "pipelines")


def test_roundtrips_hubspot_requests_match_the_models(crm_sandbox):
    """Search, batch update and v4 association reads as Roundtrip sends them. HubSpot's OpenAPI
    types `sorts` as strings while its guides (and HubSpot) take `{propertyName, direction}`
    objects, which Roundtrip sends: checked against the guides' shape instead."""
    m = pytest.importorskip("hubspot.crm.contacts.models")
    a = pytest.importorskip("hubspot.crm.associations.v4.models")
    from datetime import UTC, datetime

    from connectors.hubspot import HubSpotClient
    from sandbox.state import read_json

    credentials = (read_json(crm_sandbox.paths.credentials_json) or {})["hubspot"]
    client = HubSpotClient.from_credentials(credentials, base_url=crm_sandbox.info.urls["hubspot"])
    sent: list[tuple[str, Any]] = []
    client.transport._client.event_hooks["request"].append(  # observe the wire, change nothing
        lambda r: sent.append((r.url.path, json.loads(r.content))) if r.method == "POST" else None
    )
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    next(iter(client.search_modified_since("contacts", ["email"], epoch)))
    next(iter(client.associations("contacts", "companies", ["1001", "1002"])))
    client.batch_update("contacts", [{"id": "1001", "properties": {"lead_score": "5"}}])
    client.close()
    bodies = dict(sent)
    search = bodies["/crm/v3/objects/contacts/search"]
    conforms(m.PublicObjectSearchRequest, search,
             {"filterGroups": (m.FilterGroup, {"filters": m.Filter})})  # fmt: skip
    assert all(set(sort) == {"propertyName", "direction"} for sort in search["sorts"])
    conforms(m.BatchInputSimplePublicObjectBatchInput,
             bodies["/crm/v3/objects/contacts/batch/update"],
             {"inputs": m.SimplePublicObjectBatchInput})  # fmt: skip
    conforms(a.BatchInputPublicFetchAssociationsBatchRequest,
             bodies["/crm/v4/associations/contacts/companies/batch/read"],
             {"inputs": a.PublicFetchAssociationsBatchRequest})  # fmt: skip


# --------------------------------------------------------------------------------------- GA4


@pytest.fixture(scope="module")
def ga4_server(tmp_path_factory):
    from sandbox.server import ga4

    state = tmp_path_factory.mktemp("ga4-contract")
    build_ads_world(state / "world.duckdb")
    with serve("ga4", ga4.create_app, state) as ctx:
        yield ctx


def test_ga4_requests_and_responses_parse_strictly_as_the_protobufs(ga4_server):
    data = pytest.importorskip("google.analytics.data_v1beta")
    from google.protobuf import json_format

    from connectors.ga4 import GA4Client

    client = GA4Client.from_credentials(
        CREDENTIALS["ga4"], base_url=ga4_server.base_url, token_url=ga4_server.base_url + "/token"
    )
    client.page_limit = 10
    sent: list[bytes] = []
    received: list[bytes] = []
    hooks = client.transport._client.event_hooks  # observe the wire, change nothing
    hooks["request"].append(lambda r: sent.append(r.content) if "runReport" in r.url.path else None)
    hooks["response"].append(
        lambda r: received.append(r.read()) if "runReport" in r.url.path else None
    )
    pages = client.run_report(
        date(2026, 1, 1), date(2026, 1, 7), ["date", "sessionSource"], ["sessions"]
    )
    assert sum(len(p) for p in pages) > 10  # more than one page, so paging is exercised
    client.close()
    assert len(sent) == len(received) > 1
    for body in sent:
        json_format.Parse(body, data.RunReportRequest.pb(data.RunReportRequest()))
    for body in received:
        json_format.Parse(body, data.RunReportResponse.pb(data.RunReportResponse()))


# -------------------------------------------------------------------------------------- Meta


def _fields(cls: Any) -> set[str]:
    return {v for k, v in vars(cls.Field).items() if not k.startswith("_")}


def test_meta_fields_served_and_requested_are_the_sdks():
    pytest.importorskip("facebook_business")
    from facebook_business import apiconfig
    from facebook_business.adobjects.adset import AdSet
    from facebook_business.adobjects.adsinsights import AdsInsights
    from facebook_business.adobjects.campaign import Campaign

    from pipelines import meta_ads as pipeline
    from sandbox.server import meta_ads as stand_in

    insights = _fields(AdsInsights)
    assert set(stand_in.INSIGHT_FIELDS) <= insights
    assert set(pipeline.INSIGHT_FIELDS) <= insights
    assert set(stand_in.EDGES["campaigns"].columns) <= _fields(Campaign)
    assert set(stand_in.EDGES["adsets"].columns) <= _fields(AdSet)
    assert set(pipeline.CAMPAIGN_FIELDS) <= _fields(Campaign)
    sdk_version = apiconfig.ads_api_config["API_VERSION"]
    assert sdk_version in lifecycle("meta_ads").tested, (
        f"facebook-business speaks {sdk_version}: test it and list it under meta_ads.tested "
        "in connectors/api_versions.yml"
    )


# -------------------------------------------------------------------------------- Google Ads


@pytest.mark.slow
@pytest.mark.real_clients
def test_google_ads_requests_and_streams_parse_strictly_as_the_protobufs(tmp_path):
    """Roundtrip's searchStream requests and the stand-in's answers (batches and an error),
    parsed by `google-ads` (its own venv) as the API version's messages."""
    import subprocess
    from pathlib import Path

    import httpx

    from connectors.google_ads import API_VERSION, GoogleAdsClient
    from connectors.http.errors import BadRequest
    from sandbox.generator.clock import GENESIS_NOW
    from sandbox.server import google_ads
    from tests.sandbox.fixture_ads_world import GOOGLE_CUSTOMER
    from tests.sandbox.real_clients import GOOGLE_ADS, venv_with

    venv = venv_with(GOOGLE_ADS)
    build_ads_world(tmp_path / "world.duckdb")
    captured: list[tuple[str, Any]] = []
    with serve("google_ads", google_ads.create_app, tmp_path, GENESIS_NOW.date()) as ctx:
        client = GoogleAdsClient.from_credentials(
            CREDENTIALS["google_ads"], base_url=ctx.base_url, token_url=ctx.base_url + "/token"
        )
        hooks = client.transport._client.event_hooks  # observe the wire, change nothing

        def request(r: httpx.Request) -> None:
            if r.url.path.endswith(":searchStream"):
                captured.append(("request", json.loads(r.content)))

        def response(r: httpx.Response) -> None:
            if r.url.path.endswith(":searchStream"):
                r.read()
                for batch in r.json():
                    captured.append(("error", batch["error"]) if "error" in batch
                                    else ("response", batch))  # fmt: skip

        hooks["request"].append(request)
        hooks["response"].append(response)
        from pipelines import google_ads as pipeline

        daily = pipeline.DAILY_GAQL.format(start="2026-01-01", end="2026-01-03")
        for gaql in (pipeline.CAMPAIGNS_GAQL, pipeline.AD_GROUPS_GAQL, daily):
            assert sum(len(p) for p in client.search_stream(GOOGLE_CUSTOMER, gaql))
        with pytest.raises(BadRequest):  # a query error: its body is an array of {error}
            list(client.search_stream(GOOGLE_CUSTOMER, "SELECT campaign.bogus FROM campaign"))
        client.close()
    assert {kind for kind, _ in captured} == {"request", "response", "error"}
    capture = tmp_path / "capture.json"
    capture.write_text(json.dumps(captured))
    script = Path(__file__).with_name("google_ads_strict_parse.py")
    done = subprocess.run(
        [str(venv / "bin" / "python"), str(script), API_VERSION, str(capture)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
