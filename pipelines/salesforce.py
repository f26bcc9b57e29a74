"""Salesforce → `raw_salesforce`: one resource per sObject, read with SOQL `queryAll`.

The sObjects and their tables are `connectors.salesforce.VENDOR.tables` (`vendor_object` → table
name, key `Id`, cursor `SystemModstamp`). Each resource selects every non-compound field that
`describe` reports (custom `__c` fields included, so new fields show up as new columns), filters
on `SystemModstamp` from the last cursor
(minus an overlap window) and merges on `Id`. `queryAll` returns deleted rows too: they arrive
with `IsDeleted = true`, so deletes are marked, not lost. Column names are normalised by dlt
(`SystemModstamp` → `system_modstamp`, `Lead_Score__c` → `lead_score__c`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc

from connectors.client import Endpoint
from connectors.salesforce import VENDOR, SalesforceClient
from connectors.vendor import Table
from pipelines.arrow_pages import TIMESTAMP
from pipelines.context import LoadContext, followed_cursor, timestamp_cursor

FIELD_TYPES: dict[str, pa.DataType] = {
    "boolean": pa.bool_(),
    "int": pa.int64(),
    "double": pa.float64(),
    "currency": pa.float64(),
    "percent": pa.float64(),
    "date": pa.date32(),
    "datetime": TIMESTAMP,
}
COMPOUND_TYPES = {"address", "location"}


def field_columns(describe: Mapping[str, Any]) -> dict[str, pa.DataType]:
    """Arrow types of an sObject's fields from its describe (compound fields are skipped: their
    components are separate fields)."""
    return {
        f["name"]: FIELD_TYPES.get(f["type"], pa.string())
        for f in describe["fields"]
        if f["type"] not in COMPOUND_TYPES
    }


def soql(sobject: str, cursor: str, fields: list[str], since: datetime | None) -> str:
    """`fields` of `sobject` from `since` on `cursor` (every row when None), oldest first."""
    where = ""
    if since is not None:
        literal = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        where = f" WHERE {cursor} >= {literal}"
    return f"SELECT {', '.join(fields)} FROM {sobject}{where} ORDER BY {cursor}"


def _without_attributes(page: list[Any]) -> list[Any]:
    return [
        {k: v for k, v in r.items() if k != "attributes"} if isinstance(r, Mapping) else r
        for r in page
    ]


def _deleted(table: pa.Table) -> int:
    if "IsDeleted" not in table.column_names:
        return 0
    return pc.sum(pc.cast(pc.fill_null(table["IsDeleted"], False), pa.int64())).as_py() or 0


@dlt.source(name="salesforce", max_table_nesting=0)
def source(endpoint: Endpoint, ctx: LoadContext) -> Any:
    client = ctx.client(SalesforceClient, endpoint)
    client.versions()  # the org's word on the version spoken, heard and recorded by the load

    def sobject_resource(table: Table) -> Any:
        sobject, cursor = table.vendor_object or table.name, followed_cursor(table)

        @ctx.resource(table)
        def records(modstamp=timestamp_cursor(ctx, table)) -> Iterator[pa.Table]:
            with ctx.reading(table.name):
                columns = field_columns(client.describe(sobject))
            converter = ctx.converter(table, columns)
            # last_value already steps back by the overlap window (dlt's `lag`)
            pages = client.query_all(soql(sobject, cursor, list(columns), modstamp.last_value))
            yield from ctx.stream(
                converter, (_without_attributes(p) for p in pages), deleted=_deleted
            )

        return records

    return [sobject_resource(table) for table in VENDOR.tables]
