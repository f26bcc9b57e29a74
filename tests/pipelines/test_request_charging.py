"""Each resource is charged its own requests, even when a dlt transformer reads between its
parent's pages (HubSpot contacts → contact_companies), over loopback HTTP to the stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pytest

from connectors.hubspot import VENDOR, HubSpotClient
from pipelines.context import LoadContext

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hubspot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubSpotClient]:
    from sandbox.control import running
    from sandbox.state import read_json
    from tests.sandbox.fixture_world import make_sandbox

    paths = make_sandbox(tmp_path_factory.mktemp("charging") / ".sandbox")
    with running(paths) as info:
        credentials = (read_json(paths.credentials_json) or {})["hubspot"]
        client = HubSpotClient.from_credentials(credentials, base_url=info.urls["hubspot"])
        yield client
        client.close()


def _ids(page: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": record["id"]} for record in page]


def test_a_transformer_reading_between_parent_pages_is_charged_its_own_requests(
    hubspot: HubSpotClient,
) -> None:
    ctx = LoadContext("hubspot", datetime(2030, 1, 1, tzinfo=UTC))
    sent_before = hubspot.request_counter()[0]
    contacts = ctx.converter(VENDOR.table("contacts"), {"id": pa.int64()})
    links = ctx.converter(
        VENDOR.table("contact_companies"),
        {"from_id": pa.int64(), "to_id": pa.int64(), "association_type_id": pa.int64()},
    )
    with ctx.reading("contacts"):  # a setup request, as a resource makes before its pages
        hubspot.properties("contacts")
    pages = (_ids(page) for page in hubspot.list_objects("contacts", ["email"]))
    # batch_rows=1: every contacts page is handed on at once and, like dlt does with a
    # transformer, its associations are read before the next contacts page is asked for
    for batch in ctx.stream(contacts, pages, batch_rows=1):
        ids = [str(i) for i in batch["id"].to_pylist()]
        for _ in ctx.stream(links, hubspot.associations("contacts", "companies", ids)):
            pass

    contact_stats, link_stats = ctx.stats["contacts"], ctx.stats["contact_companies"]
    assert contact_stats.pages == 3  # 225 live contacts, 100 a page
    assert contact_stats.requests == contact_stats.pages + 1  # + the properties request
    assert link_stats.requests == 3  # one batch read per contacts page
    assert contact_stats.requests + link_stats.requests == (
        hubspot.request_counter()[0] - sent_before
    )
