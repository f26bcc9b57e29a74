"""The scheduled path (hub and spoke): both sides as the last loads read them into the published
warehouse, diffed against the shared state, written in batches through the one-way writers.

Values come from the raw tables (`raw_hubspot.contacts`, `raw_salesforce.leads|contacts`: what the
vendor holds, column names as dlt normalizes them); identity (normalized email, link fields,
deletion, conversion) and modification times from the staging models. A side whose last load
started before a field was agreed holds, for that field, the agreed value (the load has not seen
the write yet): a stale snapshot never sends an old value back.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

import duckdb
import pyarrow as pa
from dlt.common.normalizers.naming.snake_case import NamingConvention

from reverse.plan import WAREHOUSE
from reverse.specs import SpecError
from reverse.state import utcnow
from reverse.two_way.apply import LinkPlan, commit, plan_link
from reverse.two_way.create import Create, plan_create, send_creates
from reverse.two_way.deletes import propagate_deletes
from reverse.two_way.field_times import TimesReader, hubspot_field_times, redecide_newest
from reverse.two_way.links import CrmRecord, MapRecord, Resolution, resolve, unmatched
from reverse.two_way.owners import Owners, read_vendors, uses_owners
from reverse.two_way.send import send_plans
from reverse.two_way.spec import CRM, CRM_SYSTEM, MAP, MAP_OBJECT, MAP_SYSTEM, TwoWaySpec
from reverse.two_way.state import (
    Link,
    Synced,
    active_links,
    ensure_run_columns,
    record_agreed,
    record_rejects,
    replace_unlinked,
    retired_ids,
    save_links,
    save_seen,
    seen_fingerprints,
    synced_fields,
    synced_of,
)
from reverse.writers import DestinationWriter

log = logging.getLogger("roundtrip.reverse.two_way")
_naming = NamingConvention()
RAW = {
    MAP_OBJECT: "raw_hubspot.contacts",
    "Lead": "raw_salesforce.leads",
    "Contact": "raw_salesforce.contacts",
}
STAGING = {
    MAP_OBJECT: "staging.stg_hubspot__contacts",
    "Lead": "staging.stg_salesforce__leads",
    "Contact": "staging.stg_salesforce__contacts",
}


@dataclass
class TwoWayReport:
    sync: str
    run_id: str | None
    links: int = 0
    plans: list[LinkPlan] = field(default_factory=list)  # links with something to write
    to_map: int = 0  # field writes planned (dry run) or accepted
    to_crm: int = 0
    conflicts: int = 0
    rejects: list[tuple[str, str, str, Any, str]] = field(default_factory=list)
    unlinked: list[tuple[str, str, str]] = field(default_factory=list)
    retired: list[tuple[str, str]] = field(default_factory=list)
    requests: int = 0
    decided: int = 0  # links whose values changed since the last run found them settled
    creates: list[Create] = field(default_factory=list)  # counterparts to make (`create: true`)
    created: dict[str, int] = field(default_factory=dict)  # side → records made
    settled: list[tuple[str, str, str, str]] = field(default_factory=list)  # (map, crm, prints)
    status: str = "planned"
    diff_seconds: float = 0.0  # reading both sides, resolving links, deciding every field
    diff_cpu_seconds: float = 0.0  # its CPU time (all threads): comparable on a busy machine
    seconds: float = 0.0


@dataclass(frozen=True)
class Snapshot:
    """One side's records: id → (vendor field → raw value, modification time)."""

    values: dict[str, tuple[dict[str, Any], datetime | None]]
    loaded_at: datetime | None  # start of that system's last successful load


def _column(name: str) -> str:
    return _naming.normalize_identifier(name)


def _last_load(con: duckdb.DuckDBPyConnection, system: str) -> datetime | None:
    row = con.execute(
        f"SELECT max(started_at) FROM {WAREHOUSE}.monitor.load_runs "
        "WHERE system = ? AND status = 'succeeded'",
        [system],
    ).fetchone()
    return row[0] if row else None


def _columns(con: duckdb.DuckDBPyConnection, object_name: str, names: list[str]) -> list[str]:
    """The raw table's columns of `names`, refusing a field the last load did not bring."""
    schema, table = RAW[object_name].split(".")
    present = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_catalog = ? "
            "AND table_schema = ? AND table_name = ?",
            [WAREHOUSE, schema, table],
        ).fetchall()
    }
    missing = [n for n in names if _column(n) not in present]
    if missing:
        raise SpecError(
            f"{RAW[object_name]} has no column for {', '.join(missing)}: run `roundtrip load` "
            "after adding the field"
        )
    return [f'raw."{_column(n)}"' for n in names]


def _joined(object_name: str, id_column: str) -> str:
    return (
        f"{WAREHOUSE}.{RAW[object_name]} raw JOIN {WAREHOUSE}.{STAGING[object_name]} s "
        f"ON CAST(s.{id_column} AS VARCHAR) = CAST(raw.id AS VARCHAR)"
    )


def _fingerprints(
    con: duckdb.DuckDBPyConnection, object_name: str, names: list[str], id_column: str
) -> dict[str, str]:
    """Record id → a hash of its mapped values as loaded, computed in DuckDB (set-based): a
    link whose two fingerprints are those of the last run that found it settled is unchanged."""
    columns = _columns(con, object_name, names)
    parts = "".join(f", coalesce(CAST({c} AS VARCHAR), chr(0))" for c in columns)
    rows = con.execute(
        f"SELECT CAST(raw.id AS VARCHAR), md5(concat_ws(chr(31), ''{parts})) "
        f"FROM {_joined(object_name, id_column)}"
    ).fetchall()
    return dict(rows)


def _read(
    con: duckdb.DuckDBPyConnection,
    object_name: str,
    names: list[str],
    id_column: str,
    ids: list[str],
) -> dict[str, tuple[dict[str, Any], datetime | None]]:
    """Record id → (mapped values, modification time) of the records `ids`."""
    selected = _columns(con, object_name, names)
    con.register("wanted_ids", pa.table({"id": pa.array(ids, pa.string())}))
    try:
        rows = con.execute(
            f"SELECT CAST(raw.id AS VARCHAR), s.updated_at{', ' + ', '.join(selected) if names else ''} "
            f"FROM {_joined(object_name, id_column)} "
            "WHERE CAST(raw.id AS VARCHAR) IN (SELECT id FROM wanted_ids)"
        ).fetchall()
    finally:
        con.unregister("wanted_ids")
    return {r[0]: (dict(zip(names, r[2:], strict=True)), r[1]) for r in rows}


ID_COLUMNS = {MAP_OBJECT: "contact_id", "Lead": "lead_id", "Contact": "contact_id"}


def _names(spec: TwoWaySpec, object_name: str) -> list[str]:
    if object_name == MAP_OBJECT:
        return [f.map for f in spec.fields]
    return [name for _, name in spec.crm_fields(object_name)]


def read_identities(
    con: duckdb.DuckDBPyConnection,
) -> tuple[list[MapRecord], list[CrmRecord]]:
    """Identity records of both sides (email, link fields, deletion, conversion)."""
    maps = [
        MapRecord(str(r[0]), r[1], r[2], r[3], bool(r[4]))
        for r in con.execute(
            f"SELECT contact_id, email_normalized, salesforce_lead_id, salesforce_contact_id, "
            f"is_archived FROM {WAREHOUSE}.{STAGING[MAP_OBJECT]}"
        ).fetchall()
    ]
    crms = [
        CrmRecord("Lead", r[0], r[1], bool(r[2]), r[3] if r[4] else None)
        for r in con.execute(
            f"SELECT lead_id, email_normalized, is_deleted, converted_contact_id, is_converted "
            f"FROM {WAREHOUSE}.{STAGING['Lead']}"
        ).fetchall()
    ] + [
        CrmRecord("Contact", r[0], r[1], bool(r[2]))
        for r in con.execute(
            f"SELECT contact_id, email_normalized, is_deleted FROM {WAREHOUSE}.{STAGING['Contact']}"
        ).fetchall()
    ]
    return maps, crms


def read_snapshots(
    con: duckdb.DuckDBPyConnection, spec: TwoWaySpec, wanted: dict[str, list[str]]
) -> dict[str, Snapshot]:
    """Each object's mapped values of the records `wanted` (object → ids)."""
    snapshots = {}
    loaded = {MAP_OBJECT: _last_load(con, MAP_SYSTEM), "crm": _last_load(con, CRM_SYSTEM)}
    for obj in (MAP_OBJECT, *spec.crm_objects):
        values = _read(con, obj, _names(spec, obj), ID_COLUMNS[obj], wanted.get(obj, []))
        snapshots[obj] = Snapshot(values, loaded[MAP_OBJECT if obj == MAP_OBJECT else "crm"])
    return snapshots


def _observed(
    spec: TwoWaySpec, link: Link, snapshots: dict[str, Snapshot], synced: dict[str, Synced]
) -> tuple[dict[str, tuple[dict[str, Any], datetime | None]], bool]:
    """Each side's values for the link, without the fields its last load predates; and whether
    any was left out (then the link is not settled: the next load must be looked at)."""
    observed = {}
    guarded = False
    for side, obj, record_id in (
        (MAP, MAP_OBJECT, link.map_id),
        (CRM, link.crm_object, link.crm_id),
    ):
        snapshot = snapshots[obj]
        values, at = snapshot.values.get(record_id, ({}, None))
        fresh = {}
        for fm in spec.fields:
            name = fm.map if side == MAP else fm.crm.get(link.crm_object)
            if name is None or name not in values:
                continue
            agreed = synced.get(fm.map)
            if agreed and snapshot.loaded_at and snapshot.loaded_at < agreed.at:
                guarded = True
                continue  # the write of that value is newer than the load: not seen yet
            fresh[name] = values[name]
        observed[side] = (fresh, at)
    return observed, guarded


def _synced(
    state: sqlite3.Connection, spec: TwoWaySpec, map_ids: list[str], total: int
) -> dict[str, dict[str, Synced]]:
    """map id → field → last agreed value, for the links to decide (all at once when most)."""
    by_link: dict[str, dict[str, Synced]] = {}
    if len(map_ids) * 5 > total:
        for (map_id, name), agreed in synced_fields(state, spec.name).items():
            by_link.setdefault(map_id, {})[name] = agreed
        return by_link
    return {map_id: synced_of(state, spec.name, map_id) for map_id in map_ids}


def _to_create(
    spec: TwoWaySpec,
    state: sqlite3.Connection,
    resolution: Resolution,
    maps: list[MapRecord],
    crms: list[CrmRecord],
) -> list[tuple[str, str, str, str]]:
    """(side, object, id, email) of the unmatched records whose counterpart `create` makes."""
    if not any(spec.create.values()):
        return []
    emails = {(MAP, m.id): m.email for m in maps} | {(CRM, c.id): c.email for c in crms}
    wanted = {side for side, key in ((MAP, "map_to_crm"), (CRM, "crm_to_map")) if spec.create[key]}
    return [
        (side, obj, record_id, str(emails[(side, record_id)]))
        for side, obj, record_id in unmatched(
            resolution, maps, crms, spec.crm_objects, retired_ids(state, spec.name)
        )
        if side in wanted
    ]


def plan_two_way(
    spec: TwoWaySpec,
    con: duckdb.DuckDBPyConnection,
    state: sqlite3.Connection,
    owners: Owners | None = None,
    read_times: TimesReader | None = None,
) -> tuple[TwoWayReport, Resolution]:
    """Links and per-field decisions for every linked pair that changed since the last run found
    it settled (nothing sent; `owners`, needed by `type: owner` fields, may refresh its table);
    `newest` conflicts are decided again by HubSpot's field times (`read_times`) when given."""
    maps, crms = read_identities(con)
    resolution = resolve(active_links(state, spec.name), maps, crms, spec.crm_objects)
    prints = {
        obj: _fingerprints(con, obj, _names(spec, obj), ID_COLUMNS[obj])
        for obj in (MAP_OBJECT, *spec.crm_objects)
    }
    seen = seen_fingerprints(state, spec.name)
    report = TwoWayReport(spec.name, None, links=len(resolution.links))
    report.unlinked, report.retired = resolution.unlinked, resolution.retired
    todo: list[tuple[Link, str, str]] = []
    for link in resolution.links.values():
        now = (
            link.crm_id,
            prints[MAP_OBJECT].get(link.map_id, ""),
            prints[link.crm_object].get(link.crm_id, ""),
        )
        if seen.get(link.map_id) == now:
            report.settled.append((link.map_id, *now))
        else:
            todo.append((link, now[1], now[2]))
    wanted: dict[str, list[str]] = {MAP_OBJECT: [link.map_id for link, _, _ in todo]}
    for link, _, _ in todo:
        wanted.setdefault(link.crm_object, []).append(link.crm_id)
    orphans = _to_create(spec, state, resolution, maps, crms)
    for _, obj, record_id, _ in orphans:
        wanted.setdefault(obj, []).append(record_id)
    snapshots = read_snapshots(con, spec, wanted)
    for side, obj, record_id, email in orphans:
        values, _at = snapshots[obj].values.get(record_id, ({}, None))
        create = plan_create(spec, side, obj, record_id, values, email, owners)
        if isinstance(create, str):
            report.unlinked.append((side, record_id, f"not created: {create}"))
        else:
            report.creates.append(create)
    by_link = _synced(state, spec, [link.map_id for link, _, _ in todo], len(resolution.links))
    inputs = {}
    for link, map_print, crm_print in todo:
        synced = by_link.get(link.map_id, {})
        observed, guarded = _observed(spec, link, snapshots, synced)
        plan = plan_link(spec, link, synced, observed, owners)
        report.rejects.extend((link.map_id, *r) for r in plan.rejects)
        if plan.pending(synced):
            report.plans.append(plan)
            inputs[link.map_id] = (synced, observed)
        elif not guarded and not plan.rejects:  # a rejected record is looked at again
            report.settled.append((link.map_id, link.crm_id, map_print, crm_print))
    if read_times is not None:
        report.plans = redecide_newest(
            report.plans,
            read_times,
            lambda plan, times: plan_link(
                spec, plan.link, *inputs[plan.link.map_id], owners, map_field_times=times
            ),
        )
    report.decided = len(todo)
    directions = Counter(d.write_to for p in report.plans for d in p.decisions if d.write_to)
    report.to_map, report.to_crm = directions[MAP], directions[CRM]
    report.conflicts = sum(d.conflict for p in report.plans for d in p.decisions if d.write_to)
    return report, resolution


def run_two_way(
    spec: TwoWaySpec,
    con: duckdb.DuckDBPyConnection,
    state: sqlite3.Connection,
    writers: dict[str, DestinationWriter[Any]],
    *,
    dry_run: bool = False,
) -> TwoWayReport:
    """Plan the sync and, unless `dry_run`, store the links, send the writes (HubSpot first,
    then Salesforce) and store what was accepted; the run is logged in `two_way_runs`."""
    started, cpu = time.monotonic(), time.process_time()
    base = {system: w.requests()[0] for system, w in writers.items()}  # reads count too
    owners = Owners(state, lambda: read_vendors(writers)) if uses_owners(spec) else None
    hubspot = writers.get(MAP_SYSTEM)
    read_times = partial(hubspot_field_times, hubspot.client) if hubspot is not None else None
    report, resolution = plan_two_way(spec, con, state, owners, read_times)
    report.diff_seconds = time.monotonic() - started
    report.diff_cpu_seconds = time.process_time() - cpu
    if dry_run:
        report.requests = sum(w.requests()[0] - base[s] for s, w in writers.items())
        return report
    run_id = f"{spec.name}-{utcnow()[:19].replace(':', '')}-{uuid.uuid4().hex[:6]}"
    report.run_id = run_id
    ensure_run_columns(state)
    state.execute(
        "insert into two_way_runs (run_id, sync, path, started_at, status) values (?, ?, ?, ?, ?)",
        [run_id, spec.name, "scheduled", utcnow(), "running"],
    )
    retired = resolution.retired
    if spec.propagate_deletes and retired:
        retired = propagate_deletes(writers, retired, active_links(state, spec.name))
    save_links(state, spec.name, resolution.changed, retired)
    replace_unlinked(state, spec.name, report.unlinked)
    if report.creates:
        created = send_creates(spec, writers, report.creates)
        save_links(state, spec.name, created.links, [])
        record_agreed(state, spec.name, run_id, created.decisions)
        record_rejects(state, spec.name, run_id, [
            (record_id, "(create)", side, None, reason) for side, record_id, reason in created.refused
        ])  # fmt: skip
        report.created = created.made
        if created.error:
            log.error("%s: creating stopped: %s", spec.name, created.error)
    record_rejects(
        state,
        spec.name,
        run_id,
        [(m, f, s, None if v is None else str(v), r) for m, f, s, v, r in report.rejects],
    )
    sent = send_plans(spec, writers, report.plans)
    record_rejects(state, spec.name, run_id, sent.rejects)
    report.rejects.extend(sent.rejects)
    if sent.error:
        log.error("%s: stopped: %s", spec.name, sent.error)
    for plan in report.plans:
        commit(state, spec, plan, run_id, refused=sent.not_accepted(plan))
    save_seen(state, spec.name, report.settled)
    error = sent.error
    report.requests = sum(w.requests()[0] - base[s] for s, w in writers.items())
    report.status = "failed" if error else ("partial" if report.rejects else "succeeded")
    report.seconds = time.monotonic() - started
    state.execute(
        "update two_way_runs set finished_at = ?, status = ?, links = ?, to_map = ?, to_crm = ?, "
        "conflicts = ?, rejects = ?, unlinked = ?, requests = ?, diff_seconds = ?, seconds = ?, "
        "error = ?, map_records = ?, map_requests = ?, map_send_seconds = ?, created_map = ?, "
        "created_crm = ?, "
        "diff_cpu_seconds = ? "
        "where run_id = ?",
        [utcnow(), report.status, report.links, report.to_map, report.to_crm, report.conflicts,
         len(report.rejects), len(report.unlinked), report.requests,
         round(report.diff_seconds, 3), round(report.seconds, 3), error,
         sent.records.get(MAP, 0), sent.requests.get(MAP, 0), round(sent.seconds.get(MAP, 0.0), 3),
         report.created.get(MAP, 0), report.created.get(CRM, 0),
         round(report.diff_cpu_seconds, 3), run_id],
    )  # fmt: skip
    return report
