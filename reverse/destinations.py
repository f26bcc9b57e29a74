"""Per-destination writers: field checks against the vendor's metadata, payload shape, and the
per-record outcome of one batch write (through connectors/, the loads' transport).

| destination | objects | match on (update, mirror) | upsert by | batch |
|---|---|---|---|---|
| HubSpot | contacts | `hs_object_id` (the contact id) | a unique property (`email`) | 100 (`batch/update`, `batch/upsert`) |
| Salesforce | Lead, Contact | `Id` | an External ID field (`Roundtrip_Customer_Id__c`) | 200 (sObject Collections, `allOrNone=false`) |

A request the vendor refuses whole (400) raises `BadRequest`; the engine splits the batch to
isolate the record at fault. Anything else the transport could not get through (5xx or 429
beyond the retry budget, 401 after a refresh, 403) propagates and stops the run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from connectors.client import Endpoint, VendorClient
from connectors.hubspot import HubSpotClient
from connectors.salesforce import COLLECTION_LIMIT, SalesforceClient
from reverse.specs import SpecError, SyncSpec

INSERT, UPDATE, CLEAR = "insert", "update", "clear"


@dataclass(frozen=True)
class Change:
    """One record to write: `values` maps destination fields to values (None = clear it)."""

    key: str
    action: str  # insert | update | clear
    values: dict[str, Any]
    fields_hash: str | None  # None for a clear
    payload: str  # the JSON the hash was computed over (kept in the state / rejects)
    retry: bool = False  # rejected before


@dataclass(frozen=True)
class Outcome:
    key: str
    accepted: bool
    record_id: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class FieldInfo:
    writable: bool
    unique: bool  # HubSpot unique property / Salesforce External ID: what upserts match on


class Writer(Protocol):
    client: VendorClient
    vendor: str  # as users know it: HubSpot, Salesforce
    objects: tuple[str, ...]
    id_field: str  # the record id field, matched on by update and mirror syncs
    max_batch: int

    def fields(self, object_name: str) -> dict[str, FieldInfo]: ...

    def write(self, spec: SyncSpec, changes: list[Change]) -> list[Outcome]: ...

    def requests(self) -> tuple[int, int]: ...


def check_fields(writer: Writer, spec: SyncSpec) -> None:
    """The destination object exists and every mapped field exists and is writable (one
    metadata read); upserts match on a unique field, updates and mirrors on the record id."""
    dest = spec.destination
    where = f"sync {spec.name}: {writer.vendor} {dest.object}"
    if dest.object not in writer.objects:
        raise SpecError(f"{where} is not supported (supported: {', '.join(writer.objects)})")
    fields = writer.fields(dest.object)
    for name in spec.fields:
        if name not in fields:
            raise SpecError(f"{where} has no field {name!r} (create it, or fix `mappings`)")
        if not fields[name].writable:
            raise SpecError(f"{where} field {name!r} is read-only")
    if spec.mode == "upsert":
        match = fields.get(dest.match_field)
        if match is None or not match.unique:
            raise SpecError(
                f"{where}: upsert needs a unique / External ID field as match_field; "
                f"{dest.match_field!r} is not one"
            )
    elif dest.match_field != writer.id_field:
        raise SpecError(
            f"{where}: mode {spec.mode} matches records by their id: set match_field: {writer.id_field}"
        )


def _outcomes_by_key(
    changes: list[Change], accepted: dict[str, str], errors: dict[str, str]
) -> list[Outcome]:
    """One outcome per change: accepted (with the record id), else the vendor's reason."""
    return [
        Outcome(c.key, True, accepted[c.key])
        if c.key in accepted
        else Outcome(c.key, False, reason=errors.get(c.key, "the destination returned no result"))
        for c in changes
    ]


def _hubspot_text(value: Any) -> str:
    """HubSpot property values are strings; "" clears a property."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


class HubSpotWriter:
    """HubSpot CRM objects (contacts) by batch update (id) or batch upsert (a unique property)."""

    vendor = "HubSpot"
    client_class = HubSpotClient
    objects: ClassVar[tuple[str, ...]] = ("contacts",)
    id_field = "hs_object_id"
    max_batch = HubSpotClient.batch_limit

    def __init__(self, client: HubSpotClient) -> None:
        self.client = client

    def requests(self) -> tuple[int, int]:
        return self.client.request_counter()

    def fields(self, object_name: str) -> dict[str, FieldInfo]:
        return {
            p["name"]: FieldInfo(
                writable=not (p.get("modificationMetadata") or {}).get("readOnlyValue"),
                unique=bool(p.get("hasUniqueValue")),
            )
            for p in self.client.properties(object_name)
        }

    def write(self, spec: SyncSpec, changes: list[Change]) -> list[Outcome]:
        dest = spec.destination
        properties = [{k: _hubspot_text(v) for k, v in c.values.items()} for c in changes]
        if spec.mode == "upsert":
            inputs = [
                {"id": c.key, "idProperty": dest.match_field, "properties": p}
                for c, p in zip(changes, properties, strict=True)
            ]
            response = self.client.batch_upsert(dest.object, inputs)
            by_value = {c.key.strip().lower(): c.key for c in changes}
            accepted = {
                by_value[value]: str(r["id"])
                for r in response.get("results", [])
                if (
                    value := str((r.get("properties") or {}).get(dest.match_field, ""))
                    .strip()
                    .lower()
                )
                in by_value
            }
        else:
            inputs = [
                {"id": c.key, "properties": p} for c, p in zip(changes, properties, strict=True)
            ]
            response = self.client.batch_update(dest.object, inputs)
            accepted = {str(r["id"]): str(r["id"]) for r in response.get("results", [])}
        errors: dict[str, str] = {}
        for error in response.get("errors", []):
            reason = f"{error.get('category', 'ERROR')}: {error.get('message', '')}".strip()
            for key in (error.get("context") or {}).get("ids", []):
                errors[str(key)] = reason
        return _outcomes_by_key(changes, accepted, errors)


class SalesforceWriter:
    """Salesforce Lead / Contact by sObject Collections update (Id) or upsert (External ID)."""

    vendor = "Salesforce"
    client_class = SalesforceClient
    objects: ClassVar[tuple[str, ...]] = ("Lead", "Contact")
    id_field = "Id"
    max_batch = COLLECTION_LIMIT

    def __init__(self, client: SalesforceClient) -> None:
        self.client = client

    def requests(self) -> tuple[int, int]:
        return self.client.request_counter()

    def fields(self, object_name: str) -> dict[str, FieldInfo]:
        return {
            f["name"]: FieldInfo(
                writable=bool(f.get("updateable")), unique=bool(f.get("externalId"))
            )
            for f in self.client.describe(object_name)["fields"]
        }

    def write(self, spec: SyncSpec, changes: list[Change]) -> list[Outcome]:
        dest = spec.destination
        attributes = {"type": dest.object}
        if spec.mode == "upsert":
            records = [
                {"attributes": attributes, dest.match_field: c.key, **c.values} for c in changes
            ]
            results = self.client.collection_upsert(dest.object, dest.match_field, records)
        else:
            records = [{"attributes": attributes, "id": c.key, **c.values} for c in changes]
            results = self.client.collection_update(records)
        accepted: dict[str, str] = {}
        errors: dict[str, str] = {}
        for change, result in zip(changes, results, strict=False):
            if result.get("success"):
                accepted[change.key] = str(result.get("id") or change.key)
            else:
                errors[change.key] = "; ".join(
                    _salesforce_reason(e) for e in result.get("errors", [])
                )
        return _outcomes_by_key(changes, accepted, errors)


def _salesforce_reason(error: dict[str, Any]) -> str:
    fields = error.get("fields") or []
    where = f" (fields: {', '.join(fields)})" if fields else ""
    return f"{error.get('statusCode', 'ERROR')}: {error.get('message', '')}{where}"


def open_writer(system: str, endpoint: Endpoint, *, server_paced: bool) -> Writer:
    """The writer for a destination system, with its vendor client for `endpoint`."""
    writer_class = WRITERS[system]
    return writer_class(
        writer_class.client_class.from_endpoint(endpoint, server_paced=server_paced)
    )


def systems_of(specs: Iterable[SyncSpec]) -> list[str]:
    """The destination systems the specs write to, refusing unknown ones."""
    systems = list(dict.fromkeys(s.destination.system for s in specs))
    for spec in specs:
        if spec.destination.system not in WRITERS:
            raise SpecError(
                f"sync {spec.name}: destination system {spec.destination.system!r} is not "
                f"supported (supported: {', '.join(WRITERS)})"
            )
    return systems


WRITERS: dict[str, type[HubSpotWriter] | type[SalesforceWriter]] = {
    "hubspot": HubSpotWriter,
    "salesforce": SalesforceWriter,
}
