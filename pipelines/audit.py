"""A cheap audit against missed updates: compare ids and modification stamps with the vendor,
refetch by id what differs.

Incremental loads follow a modification cursor, so a change stamped before the cursor (a vendor
import, merge or restore that backdates records) is never read. The audit lists only ids and
stamps — Salesforce: SOQL `SELECT Id, SystemModstamp FROM <sObject>` through `queryAll` (the
stamp every system change bumps, the one Salesforce's own replication API follows:
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api/resources_getupdated.htm);
HubSpot: the CRM v3 list `GET /crm/v3/objects/{type}?properties=<modified property>` (only
`lastmodifieddate` for contacts, `hs_lastmodifieddate` otherwise; each record carries its
`updatedAt`: https://developers.hubspot.com/docs/reference/api/crm/objects/objects) — and
compares them with the raw tables of the published warehouse. A record the warehouse lacks, or
holds with an older stamp, is refetched by id (Salesforce `WHERE Id IN (…)`, HubSpot batch read)
through the same dlt source name, resources, columns and merge keys as the load
(`refetch_source`), so `run_load` merges it like any load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import dlt
import duckdb
import pyarrow as pa
from dlt.extract.source import DltSource

from connectors.client import Endpoint
from connectors.hubspot import CRM_OBJECTS, CURSOR_PROPERTY, DEFAULT_CURSOR_PROPERTY, HubSpotClient
from connectors.hubspot import VENDOR as HUBSPOT
from connectors.salesforce import VENDOR as SALESFORCE
from connectors.salesforce import SalesforceClient
from connectors.vendor import Table
from pipelines import hubspot, salesforce
from pipelines.context import LoadContext

SOQL_IDS_PER_QUERY = 200  # 200 ids of 18 characters keep a query far below SOQL's 100k limit


@dataclass(frozen=True)
class Audited:
    """One audited table: the raw table and the raw columns holding the vendor's id and stamp."""

    system: str
    table: Table
    id_column: str
    stamp_column: str


AUDITED: dict[str, tuple[Audited, ...]] = {
    "salesforce": tuple(
        Audited("salesforce", t, "id", "system_modstamp") for t in SALESFORCE.tables
    ),
    "hubspot": tuple(
        Audited("hubspot", HUBSPOT.table(name), "id", "updated_at") for name in CRM_OBJECTS
    ),
}


@dataclass(frozen=True)
class TableAudit:
    """What the audit found in one table: how many records each side has and the ids whose
    vendor stamp is newer than the warehouse's (or that the warehouse lacks)."""

    system: str
    table: str
    vendor_records: int
    warehouse_records: int
    differing: tuple[str, ...]


def _ms(moment: datetime | None) -> datetime | None:
    """An aware datetime (naive ones are UTC) truncated to milliseconds, what both vendors keep."""
    if moment is None:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _stamp(value: Any) -> datetime | None:
    """A vendor's ISO 8601 stamp ("2026-11-01T10:00:00.000+0000", "…Z") at millisecond precision."""
    return _ms(datetime.fromisoformat(str(value).replace("Z", "+00:00"))) if value else None


def vendor_stamps(client: Any, audited: Audited) -> dict[str, datetime | None]:
    """Id → modification stamp of every record the vendor has (deleted/archived ones aside)."""
    stamps: dict[str, datetime | None] = {}
    if audited.system == "salesforce":
        sobject = audited.table.vendor_object or audited.table.name
        for page in client.query_all(f"SELECT Id, SystemModstamp FROM {sobject}"):
            stamps.update((str(r["Id"]), _stamp(r.get("SystemModstamp"))) for r in page)
    else:
        name = audited.table.name
        modified = CURSOR_PROPERTY.get(name, DEFAULT_CURSOR_PROPERTY)
        for page in client.list_objects(name, [modified]):
            stamps.update((str(r["id"]), _stamp(r.get("updatedAt"))) for r in page)
    return stamps


def warehouse_stamps(
    con: duckdb.DuckDBPyConnection, audited: Audited
) -> dict[str, datetime | None]:
    """Id → stamp of the raw table (empty when the table does not exist yet)."""
    schema = f"raw_{audited.system}"
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, audited.table.name],
    ).fetchone()[0]
    if not exists:
        return {}
    rows = con.execute(
        f'select cast("{audited.id_column}" as varchar), "{audited.stamp_column}" '
        f'from {schema}."{audited.table.name}"'
    ).fetchall()
    return {record_id: _ms(stamp) for record_id, stamp in rows}


def differing(
    vendor: Mapping[str, datetime | None], warehouse: Mapping[str, datetime | None]
) -> tuple[str, ...]:
    """Ids the warehouse lacks or holds with an older stamp than the vendor's, sorted."""
    found = []
    for record_id, stamp in vendor.items():
        if record_id not in warehouse:
            found.append(record_id)
            continue
        held = warehouse[record_id]
        if stamp is not None and (held is None or stamp > held):
            found.append(record_id)
    return tuple(sorted(found))


def audit_system(endpoint: Endpoint, con: duckdb.DuckDBPyConnection) -> list[TableAudit]:
    """Compare every audited table of `endpoint`'s system with the warehouse in `con`."""
    client_class = SalesforceClient if endpoint.system == "salesforce" else HubSpotClient
    client = client_class.from_endpoint(endpoint, server_paced=endpoint.mode == "sandbox")
    audits = []
    for audited in AUDITED[endpoint.system]:
        vendor = vendor_stamps(client, audited)
        held = warehouse_stamps(con, audited)
        audits.append(
            TableAudit(
                endpoint.system, audited.table.name, len(vendor), len(held), differing(vendor, held)
            )
        )
    return audits


def _chunks(ids: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _salesforce_resources(
    endpoint: Endpoint, ctx: LoadContext, ids: Mapping[str, Sequence[str]]
) -> list[Any]:
    client = ctx.client(SalesforceClient, endpoint)

    def refetch(table: Table, wanted: Sequence[str]) -> Any:
        sobject = table.vendor_object or table.name

        @ctx.resource(table)
        def records() -> Iterator[pa.Table]:
            with ctx.reading(table.name):
                columns = salesforce.field_columns(client.describe(sobject))
            converter = ctx.converter(table, columns)

            def pages() -> Iterator[list[Any]]:
                for chunk in _chunks(wanted, SOQL_IDS_PER_QUERY):
                    quoted = ", ".join(f"'{i}'" for i in chunk)
                    query = f"SELECT {', '.join(columns)} FROM {sobject} WHERE Id IN ({quoted})"
                    for page in client.query_all(query):
                        yield salesforce._without_attributes(page)

            yield from ctx.stream(converter, pages(), deleted=salesforce._deleted)

        return records

    return [refetch(t, ids[t.name]) for t in SALESFORCE.tables if ids.get(t.name)]


def _hubspot_resources(
    endpoint: Endpoint, ctx: LoadContext, ids: Mapping[str, Sequence[str]]
) -> list[Any]:
    client = ctx.client(HubSpotClient, endpoint)

    def refetch(table: Table, wanted: Sequence[str]) -> Any:
        @ctx.resource(table)
        def records() -> Iterator[pa.Table]:
            with ctx.reading(table.name):
                definitions = client.properties(table.name)
            names = [d["name"] for d in definitions]
            converter = ctx.converter(
                table, {**hubspot.BOOKKEEPING, **hubspot.property_columns(definitions)}
            )
            pages = (
                [hubspot.flatten_object(r) for r in client.batch_read(table.name, chunk, names)]
                for chunk in _chunks(wanted, client.batch_limit)
            )
            yield from ctx.stream(converter, pages)

        return records

    return [refetch(HUBSPOT.table(n), ids[n]) for n in CRM_OBJECTS if ids.get(n)]


RESOURCES: dict[str, Callable[[Endpoint, LoadContext, Mapping[str, Sequence[str]]], list[Any]]] = {
    "salesforce": _salesforce_resources,
    "hubspot": _hubspot_resources,
}


def refetch_source(
    audits: Iterable[TableAudit],
) -> Callable[[str], Callable[[Endpoint, LoadContext], DltSource]]:
    """A `source_builder` for `run_load` that refetches the differing ids of `audits`: the
    system's own dlt source name (so its schema and tables), one merge resource per table."""
    ids: dict[str, dict[str, tuple[str, ...]]] = {}
    for audit in audits:
        if audit.differing:
            ids.setdefault(audit.system, {})[audit.table] = audit.differing

    def builder(system: str) -> Callable[[Endpoint, LoadContext], DltSource]:
        def build(endpoint: Endpoint, ctx: LoadContext) -> DltSource:
            resources = RESOURCES[system](endpoint, ctx, ids.get(system, {}))

            def refetched() -> list[Any]:
                return resources

            return dlt.source(refetched, name=system, max_table_nesting=0)()

        return build

    return builder
