"""The descriptor every vendor module exports as `VENDOR`: all Roundtrip knows about one vendor.

A vendor's facts live once, in its own module (`connectors/<name>.py`): how to authenticate, its
policy (limits, error bodies, Retry-After, through its client), its API version, the tables
Roundtrip loads from it with their keys and cursors, what reverse syncs may write to it, its
sandbox token path and how fresh its data must be. `connectors/registry.py` collects them;
settings, the load runner, the writers, the health checks, the docs and the dbt vars derive
from it. By convention the vendor's dlt source is `pipelines/<name>.py: source`, its writer (when
`writes` is not empty) `reverse/writers/<name>.py: Writer`, its staging models
`dbt_project/models/staging/<name>/`, and its stand-in `sandbox/server/<name>.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from connectors.client import VendorClient
from connectors.http.policy import VendorPolicy

Role = Literal["crm", "map", "ads", "analytics"]


@dataclass(frozen=True)
class Table:
    """One table of `raw_<vendor>`: the dlt resource that loads it and how."""

    name: str
    key: tuple[str, ...]
    cursor: str | None = None  # the vendor field an incremental load follows (None: full read)
    disposition: Literal["merge", "replace"] = "merge"
    as_of: str | None = None  # the loaded column saying how current the table is (freshness)
    vendor_object: str | None = None  # the vendor's own name, where it differs (Lead → leads)
    # the table whose records, as a load reads them, this one is read for (a dlt transformer fed
    # by that resource): the two always load together (pipelines/selection.py)
    follows: str | None = None

    @property
    def primary_key(self) -> str | tuple[str, ...]:
        """dlt's `primary_key` hint: a bare name for one column."""
        return self.key[0] if len(self.key) == 1 else self.key


@dataclass(frozen=True)
class WritableObject:
    """A vendor object reverse syncs may write, and where the loads read it back."""

    name: str  # as the vendor's API names it: contacts, Lead
    id_field: str  # the vendor's record id field, matched on by update and mirror syncs
    max_batch: int  # records per write request, the API's maximum
    read_back: str  # the staging model holding what the vendor has: schema.model
    read_back_id: str  # that model's record id column
    read_back_fields: Mapping[str, str] = field(default_factory=dict)  # vendor field → column


@dataclass(frozen=True)
class AdSpend:
    """Where an ad platform keeps its daily rows and its campaigns' on/off state (completeness)."""

    daily: str  # the daily metrics table
    account: str  # its ad-account column
    campaigns: str  # the campaign table
    status: str  # the campaign status column
    enabled: tuple[str, ...]  # status values of a running campaign


@dataclass(frozen=True)
class Vendor:
    """One source (and maybe destination) system."""

    name: str  # the system's id: settings, `raw_<name>`, dbt's `<name>_enabled`
    title: str  # as users know it
    role: Role
    client: type[VendorClient]
    credentials: tuple[tuple[str, ...], ...]  # each: one accepted set of credential keys
    api_version: str
    sandbox_token_path: str | None  # the stand-in's token endpoint (None: static tokens only)
    tables: tuple[Table, ...]
    loads: str  # what a load brings in (integration map)
    method: str  # how it reads (integration map)
    freshness_hours: float  # how old its newest data may be, given its load schedule and lag
    writes: tuple[WritableObject, ...] = ()
    ad_spend: AdSpend | None = None  # ad platforms only

    @property
    def policy(self) -> type[VendorPolicy]:
        return self.client.policy

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(f"{self.name} has no table {name!r}")

    def writable(self, name: str) -> WritableObject | None:
        return next((w for w in self.writes if w.name == name), None)

    def has_credentials(self, credentials: Mapping[str, object]) -> bool:
        """True when `credentials` hold every key of one accepted way to authenticate."""
        return any(all(k in credentials for k in way) for way in self.credentials)

    def describe_credentials(self) -> str:
        return " or ".join("+".join(way) for way in self.credentials)
