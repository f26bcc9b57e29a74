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
from typing import Any

import duckdb
from dlt.common.normalizers.naming.snake_case import NamingConvention

from reverse.plan import WAREHOUSE
from reverse.specs import SpecError
from reverse.state import utcnow
from reverse.two_way.apply import LinkPlan, commit, plan_link
from reverse.two_way.links import CrmRecord, MapRecord, Resolution, resolve
from reverse.two_way.send import send_plans
from reverse.two_way.spec import CRM, CRM_SYSTEM, MAP, MAP_OBJECT, MAP_SYSTEM, TwoWaySpec
from reverse.two_way.state import (
    Link,
    Synced,
    active_links,
    record_rejects,
    replace_unlinked,
    save_links,
    synced_fields,
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
    status: str = "planned"
    diff_seconds: float = 0.0  # reading both sides, resolving links, deciding every field
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


def _read(
    con: duckdb.DuckDBPyConnection, object_name: str, names: list[str], id_column: str
) -> dict[str, tuple[dict[str, Any], datetime | None]]:
    raw = RAW[object_name]
    schema, table = raw.split(".")
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
            f"{raw} has no column for {', '.join(missing)}: run `roundtrip load` after adding the field"
        )
    selected = ", ".join(f'raw."{_column(n)}"' for n in names)
    rows = con.execute(
        f"SELECT CAST(raw.id AS VARCHAR), s.updated_at{', ' + selected if names else ''} "
        f"FROM {WAREHOUSE}.{raw} raw JOIN {WAREHOUSE}.{STAGING[object_name]} s "
        f"ON CAST(s.{id_column} AS VARCHAR) = CAST(raw.id AS VARCHAR)"
    ).fetchall()
    return {r[0]: (dict(zip(names, r[2:], strict=True)), r[1]) for r in rows}


def read_sides(
    con: duckdb.DuckDBPyConnection, spec: TwoWaySpec
) -> tuple[list[MapRecord], list[CrmRecord], dict[str, Snapshot]]:
    """Identity records of both sides and each object's mapped values."""
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
    snapshots = {
        MAP_OBJECT: Snapshot(
            _read(con, MAP_OBJECT, [f.map for f in spec.fields], "contact_id"),
            _last_load(con, MAP_SYSTEM),
        )
    }
    crm_loaded = _last_load(con, CRM_SYSTEM)
    for obj in spec.crm_objects:
        names = [name for _, name in spec.crm_fields(obj)]
        id_column = "lead_id" if obj == "Lead" else "contact_id"
        snapshots[obj] = Snapshot(_read(con, obj, names, id_column), crm_loaded)
    return maps, crms, snapshots


def _observed(
    spec: TwoWaySpec, link: Link, snapshots: dict[str, Snapshot], synced: dict[str, Synced]
) -> dict[str, tuple[dict[str, Any], datetime | None]]:
    """Each side's values for the link, without the fields its last load predates."""
    observed = {}
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
                continue  # the write of that value is newer than the load: not seen yet
            fresh[name] = values[name]
        observed[side] = (fresh, at)
    return observed


def plan_two_way(
    spec: TwoWaySpec, con: duckdb.DuckDBPyConnection, state: sqlite3.Connection
) -> tuple[TwoWayReport, Resolution]:
    """Links and per-field decisions for every linked pair (nothing stored or sent)."""
    maps, crms, snapshots = read_sides(con, spec)
    resolution = resolve(active_links(state, spec.name), maps, crms, spec.crm_objects)
    synced_all = synced_fields(state, spec.name)
    by_link: dict[str, dict[str, Synced]] = {}
    for (map_id, name), agreed in synced_all.items():
        by_link.setdefault(map_id, {})[name] = agreed
    report = TwoWayReport(spec.name, None, links=len(resolution.links))
    report.unlinked, report.retired = resolution.unlinked, resolution.retired
    for link in resolution.links.values():
        synced = by_link.get(link.map_id, {})
        plan = plan_link(spec, link, synced, _observed(spec, link, snapshots, synced))
        report.rejects.extend((link.map_id, *r) for r in plan.rejects)
        if plan.pending(synced):
            report.plans.append(plan)
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
    started = time.monotonic()
    report, resolution = plan_two_way(spec, con, state)
    report.diff_seconds = time.monotonic() - started
    if dry_run:
        return report
    run_id = f"{spec.name}-{utcnow()[:19].replace(':', '')}-{uuid.uuid4().hex[:6]}"
    report.run_id = run_id
    state.execute(
        "insert into two_way_runs (run_id, sync, path, started_at, status) values (?, ?, ?, ?, ?)",
        [run_id, spec.name, "scheduled", utcnow(), "running"],
    )
    save_links(state, spec.name, resolution.changed, resolution.retired)
    replace_unlinked(state, spec.name, resolution.unlinked)
    record_rejects(
        state,
        spec.name,
        run_id,
        [(m, f, s, None if v is None else str(v), r) for m, f, s, v, r in report.rejects],
    )
    base = {system: w.requests()[0] for system, w in writers.items()}
    sent = send_plans(spec, writers, report.plans)
    record_rejects(state, spec.name, run_id, sent.rejects)
    report.rejects.extend(sent.rejects)
    if sent.error:
        log.error("%s: stopped: %s", spec.name, sent.error)
    for plan in report.plans:
        commit(state, spec, plan, run_id, refused=sent.not_accepted(plan))
    error = sent.error
    report.requests = sum(w.requests()[0] - base[s] for s, w in writers.items())
    report.status = "failed" if error else ("partial" if report.rejects else "succeeded")
    report.seconds = time.monotonic() - started
    state.execute(
        "update two_way_runs set finished_at = ?, status = ?, links = ?, to_map = ?, to_crm = ?, "
        "conflicts = ?, rejects = ?, unlinked = ?, requests = ?, diff_seconds = ?, seconds = ?, "
        "error = ? where run_id = ?",
        [utcnow(), report.status, report.links, report.to_map, report.to_crm, report.conflicts,
         len(report.rejects), len(report.unlinked), report.requests,
         round(report.diff_seconds, 3), round(report.seconds, 3), error, run_id],
    )  # fmt: skip
    return report
