"""Destination writers: one module per vendor (`reverse/writers/<system>.py`, class `Writer`), for
the systems whose vendor descriptor lists objects it `writes` (connectors/vendor.py: the object
names, id field and batch maximum live there). Here: what they share — the change and result
types, the field check against the vendor's metadata, and opening a writer by system.

| destination | objects | match on (update, mirror) | upsert by | batch |
|---|---|---|---|---|
| HubSpot | contacts | `hs_object_id` (the contact id) | a unique property (`email`) | 100 (`batch/update`, `batch/upsert`) |
| Salesforce | Lead, Contact | `Id` | an External ID field (`Roundtrip_Customer_Id__c`) | 200 (sObject Collections, `allOrNone=false`) |

A request the vendor refuses whole (400) raises `BadRequest`; the engine splits the batch to
isolate the record at fault. Anything else the transport could not get through (5xx or 429
beyond the retry budget, 401 after a refresh, 403) propagates and stops the run.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from connectors.client import Endpoint, VendorClient
from connectors.registry import VENDORS
from connectors.vendor import Vendor, WritableObject
from reverse.specs import SpecError, SyncSpec

C = TypeVar("C", bound=VendorClient)

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
class WriteResult:
    key: str
    accepted: bool
    record_id: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class FieldInfo:
    writable: bool
    unique: bool  # HubSpot unique property / Salesforce External ID: what upserts match on
    type: str = ""  # the vendor's type: HubSpot number/string/enumeration/bool/date…, Salesforce double/picklist/boolean…
    options: tuple[
        str, ...
    ] = ()  # enumeration options / picklist values, when the vendor lists them


class DestinationWriter(Generic[C]):
    """The base of `reverse/writers/<system>.py: Writer`, built from the vendor's client."""

    vendor: ClassVar[Vendor]

    def __init__(self, client: C) -> None:
        self.client = client

    def requests(self) -> tuple[int, int]:
        """(requests, retries) sent so far."""
        return self.client.request_counter()

    def fields(self, object_name: str) -> dict[str, FieldInfo]:
        """Every field of the object, from the vendor's metadata: writable? unique?"""
        raise NotImplementedError

    def write(self, spec: SyncSpec, changes: list[Change]) -> list[WriteResult]:
        """One batch request; a result per change, in order."""
        raise NotImplementedError


def check_fields(writer: DestinationWriter[Any], spec: SyncSpec) -> None:
    """The destination object exists and every mapped field exists and is writable (one
    metadata read); upserts match on a unique field, updates and mirrors on the record id."""
    dest = spec.destination
    where = f"sync {spec.name}: {writer.vendor.title} {dest.object}"
    target = writable(writer.vendor, dest.object, where)
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
    elif dest.match_field != target.id_field:
        raise SpecError(
            f"{where}: mode {spec.mode} matches records by their id: set match_field: {target.id_field}"
        )


def writable(vendor: Vendor, object_name: str, where: str) -> WritableObject:
    """The vendor's writable object `object_name`, or a SpecError naming the supported ones."""
    target = vendor.writable(object_name)
    if target is None:
        supported = ", ".join(w.name for w in vendor.writes)
        raise SpecError(f"{where} is not supported (supported: {supported})")
    return target


def results_by_key(
    changes: list[Change], accepted: dict[str, str], errors: dict[str, str]
) -> list[WriteResult]:
    """One outcome per change: accepted (with the record id), else the vendor's reason."""
    return [
        WriteResult(c.key, True, accepted[c.key])
        if c.key in accepted
        else WriteResult(
            c.key, False, reason=errors.get(c.key, "the destination returned no result")
        )
        for c in changes
    ]


def destination_systems() -> list[str]:
    """The systems reverse syncs can write to: those whose descriptor lists writable objects."""
    return [name for name, vendor in VENDORS.items() if vendor.writes]


def writer_for(system: str, client: VendorClient) -> DestinationWriter[Any]:
    """The writer of a destination system (`reverse/writers/<system>.py: Writer`) over an open
    vendor client (`roundtrip serve` shares its clients with the real-time two-way path)."""
    writer_class = importlib.import_module(f"reverse.writers.{system}").Writer
    return writer_class(client)


def open_writer(system: str, endpoint: Endpoint, *, server_paced: bool) -> DestinationWriter[Any]:
    """The writer of a destination system, with its vendor client for `endpoint`."""
    client = VENDORS[system].client.from_endpoint(endpoint, server_paced=server_paced)
    return writer_for(system, client)


def systems_of(specs: Iterable[SyncSpec]) -> list[str]:
    """The destination systems the specs write to, refusing unknown ones."""
    supported = destination_systems()
    systems = list(dict.fromkeys(s.destination.system for s in specs))
    for spec in specs:
        if spec.destination.system not in supported:
            raise SpecError(
                f"sync {spec.name}: destination system {spec.destination.system!r} is not "
                f"supported (supported: {', '.join(supported)})"
            )
    return systems
