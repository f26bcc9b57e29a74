"""HubSpot → `raw_hubspot`: CRM objects, associations, marketing email events, form submissions.

| resource | read with | incremental | key |
|---|---|---|---|
| contacts, companies, deals | first load: list (`after` paging); then search on the modified date | `changed_at` (= archivedAt, else updatedAt), overlap window | `id` |
| (archived records) | list with `archived=true` on every run (archiving does not bump the modified date) | — | `id`, `archived = true` |
| contact_companies, deal_contacts, deal_companies | v4 batch association reads for the records loaded in this run | follows the objects | (from_id, to_id) |
| email_events | `/email/public/v1/events` by time window | `created` | `id` |
| form_submissions | per form, newest first, stopping at the cursor | `submitted_at` | `conversion_id` |

Column types come from HubSpot's property definitions (every value arrives as a string). Each
table's name, key, cursor and disposition come from `connectors.hubspot.VENDOR`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import dlt
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from connectors.client import Endpoint
from connectors.hubspot import (
    ASSOCIATIONS,
    CRM_OBJECTS,
    VENDOR,
    HubSpotClient,
    association_table,
)
from pipelines.arrow_pages import TIMESTAMP
from pipelines.context import LoadContext, timestamp_cursor

PROPERTY_TYPES: dict[str, pa.DataType] = {
    "number": pa.float64(),
    "datetime": TIMESTAMP,
    "date": pa.date32(),
    "bool": pa.bool_(),
    "booleancheckbox": pa.bool_(),
}
BOOKKEEPING = {
    "id": pa.int64(),
    "created_at": TIMESTAMP,
    "updated_at": TIMESTAMP,
    "archived": pa.bool_(),
    "archived_at": TIMESTAMP,
    "changed_at": TIMESTAMP,
}


def property_columns(definitions: list[Mapping[str, Any]]) -> dict[str, pa.DataType]:
    """Arrow types for HubSpot properties from their definitions (unknown types stay text)."""
    return {
        d["name"]: PROPERTY_TYPES.get(d.get("type", ""), pa.string())
        for d in definitions
        if d["name"] not in BOOKKEEPING
    }


def flatten_object(record: Mapping[str, Any]) -> dict[str, Any]:
    """A CRM v3 object as one flat row: bookkeeping fields plus every property."""
    if not isinstance(record, Mapping) or not isinstance(record.get("properties"), Mapping):
        return record  # type: ignore[return-value]  # the converter rejects it with its payload
    return {
        **record["properties"],
        "id": record.get("id"),
        "created_at": record.get("createdAt"),
        "updated_at": record.get("updatedAt"),
        "archived": record.get("archived", False),
        "archived_at": record.get("archivedAt"),
        # the incremental cursor: archiving does not bump updatedAt, but it is a change
        "changed_at": record.get("archivedAt") or record.get("updatedAt"),
    }


def flatten_submission(form_guid: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """A form submission with its `values` spread into columns (the raw list is kept too)."""
    if not isinstance(record, Mapping):
        return record  # type: ignore[return-value]
    values = record.get("values") or []
    row = {
        v["name"]: v.get("value")
        for v in values
        if isinstance(v, Mapping) and isinstance(v.get("name"), str)
    }
    row.update(
        conversion_id=record.get("conversionId"),
        form_guid=form_guid,
        submitted_at=record.get("submittedAt"),
        page_url=record.get("pageUrl"),
        values_json=orjson.dumps(values).decode(),
    )
    return row


@dlt.source(name="hubspot", max_table_nesting=0)
def source(endpoint: Endpoint, ctx: LoadContext) -> Any:
    client = ctx.client(HubSpotClient, endpoint)
    resources = []

    for object_type in CRM_OBJECTS:
        resources.append(_crm_resource(client, ctx, object_type))
    for from_type, to_type in ASSOCIATIONS:
        resources.append(
            _association_resource(
                client, ctx, resources[CRM_OBJECTS.index(from_type)], from_type, to_type
            )
        )

    events_table = VENDOR.table("email_events")

    @ctx.resource(events_table)
    def email_events(created=timestamp_cursor(ctx, events_table)) -> Iterator[pa.Table]:
        # the cursor already steps back by the overlap window (dlt's `lag`)
        start = created.last_value or datetime.fromtimestamp(0, ctx.now.tzinfo)
        converter = ctx.converter(
            events_table,
            {
                "id": pa.string(),
                "type": pa.string(),
                "recipient": pa.string(),
                "created": TIMESTAMP,
                "email_campaign_id": pa.int64(),
                "url": pa.string(),
            },
        )
        pages = (
            [_email_event_row(e) for e in page] for page in client.email_events(start, ctx.now)
        )
        yield from ctx.stream(converter, pages)

    submissions_table = VENDOR.table("form_submissions")

    @ctx.resource(submissions_table)
    def form_submissions(
        submitted_at=timestamp_cursor(ctx, submissions_table),
    ) -> Iterator[pa.Table]:
        since = submitted_at.last_value
        converter = ctx.converter(
            submissions_table,
            {
                "conversion_id": pa.string(),
                "form_guid": pa.string(),
                "submitted_at": TIMESTAMP,
                "page_url": pa.string(),
                "values_json": pa.string(),
            },
        )
        with ctx.reading(submissions_table.name):
            forms = list(client.forms())
        for form in forms:
            guid = form["guid"]
            pages = (
                [flatten_submission(guid, r) for r in page]
                for page in client.form_submissions(guid, since=since)
            )
            yield from ctx.stream(converter, pages)

    return [*resources, email_events, form_submissions]


def _email_event_row(event: Any) -> Any:
    if not isinstance(event, Mapping):
        return event
    return {
        **{k: v for k, v in event.items() if k not in ("emailCampaignId",)},
        "email_campaign_id": event.get("emailCampaignId"),
    }


def _crm_resource(
    client: HubSpotClient,
    ctx: LoadContext,
    object_type: str,
) -> Any:
    table = VENDOR.table(object_type)

    @ctx.resource(table)
    def crm_objects(changed_at=timestamp_cursor(ctx, table)) -> Iterator[pa.Table]:
        with ctx.reading(table.name):
            definitions = client.properties(object_type)
        names = [d["name"] for d in definitions]
        converter = ctx.converter(table, {**BOOKKEEPING, **property_columns(definitions)})
        since = changed_at.last_value
        if since is None:
            live = client.list_objects(object_type, names)
        else:
            live = client.search_modified_since(object_type, names, since)
        yield from ctx.stream(converter, ([flatten_object(r) for r in p] for p in live))
        archived = client.list_objects(object_type, names, archived=True)
        yield from ctx.stream(
            converter,
            ([flatten_object(r) for r in p] for p in archived),
            deleted=lambda t: t.num_rows,
        )

    return crm_objects


def _association_resource(
    client: HubSpotClient, ctx: LoadContext, parent: Any, from_type: str, to_type: str
) -> Any:
    table = VENDOR.table(association_table(from_type, to_type))

    @ctx.transformer(table, data_from=parent)
    def associations(objects: pa.Table | list[dict]) -> Iterator[pa.Table]:
        ids = _live_ids(objects)
        converter = ctx.converter(
            table, {"from_id": pa.int64(), "to_id": pa.int64(), "association_type_id": pa.int64()}
        )
        yield from ctx.stream(converter, client.associations(from_type, to_type, ids))

    return associations


def _live_ids(objects: pa.Table | list[dict]) -> list[str]:
    """Ids of the non-archived records in a page (an Arrow table, or dict rows)."""
    if isinstance(objects, pa.Table):
        live = pc.filter(objects, pc.invert(pc.fill_null(objects["archived"], False)))
        return [str(i) for i in live["id"].to_pylist()]
    return [str(r["id"]) for r in objects if not r.get("archived")]
