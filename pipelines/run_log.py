"""The load's own records in the warehouse (`monitor` schema), beside dlt's `_dlt_loads` tables.

| table | one row per |
|---|---|
| `monitor.load_runs` | system loaded by one `roundtrip load` run |
| `monitor.load_resource_runs` | resource of that system in that run: new/updated/deleted, requests, retries, rejects, seconds |
| `monitor.load_rejects` | record or page that could not be loaded: reason and raw payload |
| `monitor.schema_changes` | new column or changed type noticed in a vendor's data |
| `monitor.warehouse_meta` | fact about this deployment (e.g. which sandbox world it was loaded from) |
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from pipelines.arrow_pages import DriftEvent, Reject

DDL = """
create schema if not exists monitor;
create table if not exists monitor.load_runs (
    run_id varchar not null,
    system varchar not null,
    mode varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz,
    status varchar not null,
    full_refresh boolean not null,
    dlt_load_ids varchar,
    error varchar,
    extract_seconds double,
    normalize_seconds double,
    load_seconds double,
    primary key (run_id, system)
);
-- columns added after the first release: older warehouses gain them here
alter table monitor.load_runs add column if not exists extract_seconds double;
alter table monitor.load_runs add column if not exists normalize_seconds double;
alter table monitor.load_runs add column if not exists load_seconds double;
-- the tables a partial load read (`roundtrip load hubspot.contacts`); null: every table
alter table monitor.load_runs add column if not exists resources varchar;
create table if not exists monitor.load_resource_runs (
    run_id varchar not null,
    system varchar not null,
    resource varchar not null,
    records bigint not null,
    new_records bigint not null,
    updated_records bigint not null,
    deleted_records bigint not null,
    pages bigint not null,
    requests bigint not null,
    retries bigint not null,
    rejects bigint not null,
    seconds double not null,
    primary key (run_id, system, resource)
);
create table if not exists monitor.load_rejects (
    run_id varchar not null,
    system varchar not null,
    resource varchar not null,
    reason varchar not null,
    record_key varchar,
    payload varchar,
    rejected_at timestamptz not null
);
create table if not exists monitor.schema_changes (
    run_id varchar not null,
    system varchar not null,
    resource varchar not null,
    column_name varchar not null,
    kind varchar not null,
    detail varchar not null,
    detected_at timestamptz not null
);
create table if not exists monitor.warehouse_meta (
    key varchar primary key,
    value varchar not null
);
"""


@dataclass
class ResourceStats:
    """Counters for one resource during one run (filled by the source, read by the summary)."""

    resource: str
    records: int = 0
    pages: int = 0
    requests: int = 0
    retries: int = 0
    deleted: int = 0
    new: int = 0
    updated: int = 0
    seconds: float = 0.0
    rejects: list[Reject] = field(default_factory=list)
    drift: list[DriftEvent] = field(default_factory=list)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def record_run_start(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    system: str,
    mode: str,
    started_at: datetime,
    full_refresh: bool,
    resources: str | None = None,
) -> None:
    """A system's run begins: `resources` lists the tables it reads (None: every table)."""
    con.execute(
        "insert or replace into monitor.load_runs by name select ? as run_id, ? as system, "
        "? as mode, ? as started_at, 'running' as status, ? as full_refresh, ? as resources",
        [run_id, system, mode, started_at, full_refresh, resources],
    )


def record_run_end(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    system: str,
    finished_at: datetime,
    status: str,
    load_ids: Iterable[str],
    error: str | None,
    stats: Iterable[ResourceStats],
    step_seconds: Mapping[str, float],
) -> None:
    con.execute(
        "update monitor.load_runs set finished_at = ?, status = ?, dlt_load_ids = ?, error = ?, "
        "extract_seconds = ?, normalize_seconds = ?, load_seconds = ? "
        "where run_id = ? and system = ?",
        [
            finished_at,
            status,
            ",".join(load_ids) or None,
            error,
            step_seconds.get("extract"),
            step_seconds.get("normalize"),
            step_seconds.get("load"),
            run_id,
            system,
        ],
    )
    for s in stats:
        con.execute(
            "insert or replace into monitor.load_resource_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                system,
                s.resource,
                s.records,
                s.new,
                s.updated,
                s.deleted,
                s.pages,
                s.requests,
                s.retries,
                len(s.rejects),
                round(s.seconds, 3),
            ],
        )
        if s.rejects:
            con.executemany(
                "insert into monitor.load_rejects values (?, ?, ?, ?, ?, ?, ?)",
                [
                    [run_id, system, r.resource, r.reason, r.record_key, r.payload, finished_at]
                    for r in s.rejects
                ],
            )
        if s.drift:
            con.executemany(
                "insert into monitor.schema_changes values (?, ?, ?, ?, ?, ?, ?)",
                [
                    [run_id, system, d.resource, d.column, d.kind, d.detail, finished_at]
                    for d in s.drift
                ],
            )


def read_meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("select key, value from monitor.warehouse_meta").fetchall())


def write_meta(con: duckdb.DuckDBPyConnection, values: dict[str, str]) -> None:
    con.executemany(
        "insert or replace into monitor.warehouse_meta values (?, ?)", list(values.items())
    )
