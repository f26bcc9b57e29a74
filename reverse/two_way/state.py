"""The two-way syncs' state, in the reverse-sync state file (`warehouse/state/reverse.sqlite`,
mirrored into the warehouse schema `reverse` on every publish). Shared by the scheduled path and
the real-time path, so neither redoes the other's work.

| table | one row per |
|---|---|
| `two_way_links` | HubSpot contact ↔ Salesforce Lead/Contact: how it was linked; `retired` with the reason |
| `two_way_fields` | link and field: the canonical value both sides last agreed on, its hash, when, by which rule |
| `sync_conflicts` | field change both sides made (or an owner overrode): both values and times, winner, rule |
| `two_way_unlinked` | record left out of the last run: ambiguous or unmatched, with the reason |
| `two_way_rejects` | field write a vendor refused or a value that cannot be converted, with the reason |
| `two_way_runs` | run: path, links, writes per direction, conflicts, rejects, requests, status |
| `two_way_seen` | link found settled by the last scheduled run: a fingerprint of each side's mapped values as loaded (unchanged on both sides since: nothing to decide) |

A field's state changes only in the transaction that handles the vendor's answer to the write
that carried it (or when both sides are seen to agree), as for the one-way syncs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from reverse.state import utcnow
from reverse.two_way.decide import Decision
from warehouse.state_store import transaction

SCHEMA = """
create table if not exists two_way_links (
    sync text not null,
    map_id text not null,
    crm_object text not null,
    crm_id text not null,
    linked_by text not null,
    linked_at timestamp not null,
    status text not null,
    reason text,
    primary key (sync, map_id)
);
create unique index if not exists two_way_links_crm
    on two_way_links (sync, crm_id) where status = 'active';
create table if not exists two_way_fields (
    sync text not null,
    map_id text not null,
    field text not null,
    value_hash text not null,
    value text,
    rule text not null,
    written_to text,
    synced_at timestamp not null,
    run_id text not null,
    primary key (sync, map_id, field)
);
create table if not exists sync_conflicts (
    sync text not null,
    map_id text not null,
    crm_object text not null,
    crm_id text not null,
    field text not null,
    map_value text,
    map_at timestamp,
    crm_value text,
    crm_at timestamp,
    winner text not null,
    rule text not null,
    decided_at timestamp not null,
    run_id text not null
);
create table if not exists two_way_unlinked (
    sync text not null,
    side text not null,
    record_id text not null,
    reason text not null,
    seen_at timestamp not null,
    primary key (sync, side, record_id)
);
create table if not exists two_way_rejects (
    sync text not null,
    map_id text not null,
    field text not null,
    side text not null,
    value text,
    reason text not null,
    at timestamp not null,
    run_id text not null,
    primary key (sync, map_id, field, side)
);
create table if not exists two_way_seen (
    sync text not null,
    map_id text not null,
    crm_id text not null,
    map_fingerprint text not null,
    crm_fingerprint text not null,
    primary key (sync, map_id)
);
create table if not exists two_way_runs (
    run_id text primary key,
    sync text not null,
    path text not null,
    started_at timestamp not null,
    finished_at timestamp,
    status text not null,
    links integer not null default 0,
    to_map integer not null default 0,
    to_crm integer not null default 0,
    conflicts integer not null default 0,
    rejects integer not null default 0,
    unlinked integer not null default 0,
    requests integer not null default 0,
    diff_seconds real,
    seconds real,
    error text
);
"""

ACTIVE, RETIRED = "active", "retired"


@dataclass(frozen=True)
class Link:
    map_id: str  # HubSpot contact id
    crm_object: str  # Lead | Contact
    crm_id: str
    linked_by: str  # stored | hubspot link field | email | lead conversion


class Synced(NamedTuple):
    """A field's last agreed value: its hash, the canonical value and when it was agreed (a
    tuple: tens of thousands are read per run)."""

    value_hash: str
    value: str | None
    at: datetime


def active_links(con: sqlite3.Connection, sync: str) -> dict[str, Link]:
    rows = con.execute(
        "select map_id, crm_object, crm_id, linked_by from two_way_links "
        "where sync = ? and status = ?",
        [sync, ACTIVE],
    ).fetchall()
    return {r[0]: Link(*r) for r in rows}


def retired_ids(con: sqlite3.Connection, sync: str) -> set[str]:
    """HubSpot and Salesforce ids of retired links (their counterparts are never re-created)."""
    rows = con.execute(
        "select map_id, crm_id from two_way_links where sync = ? and status = ?", [sync, RETIRED]
    ).fetchall()
    return {i for row in rows for i in row}


def find_link(con: sqlite3.Connection, sync: str, side: str, record_id: str) -> Link | None:
    """The active link of a HubSpot contact (side map) or Salesforce record (side crm)."""
    column = "map_id" if side == "map" else "crm_id"
    row = con.execute(
        "select map_id, crm_object, crm_id, linked_by from two_way_links "
        f"where sync = ? and status = ? and {column} = ?",
        [sync, ACTIVE, record_id],
    ).fetchone()
    return Link(*row) if row else None


def save_links(
    con: sqlite3.Connection,
    sync: str,
    links: Iterable[Link],
    retired: Iterable[tuple[str, str]],
) -> None:
    """Store new and re-pointed links; retire (map_id, reason) pairs. One transaction."""
    now = utcnow()
    with transaction(con):
        for map_id, reason in retired:
            con.execute(
                "update two_way_links set status = ?, reason = ? where sync = ? and map_id = ?",
                [RETIRED, reason, sync, map_id],
            )
        for link in links:
            con.execute(
                "insert into two_way_links values (?, ?, ?, ?, ?, ?, ?, null) "
                "on conflict (sync, map_id) do update set crm_object = excluded.crm_object, "
                "crm_id = excluded.crm_id, linked_by = excluded.linked_by, "
                "linked_at = excluded.linked_at, status = excluded.status, reason = null",
                [sync, link.map_id, link.crm_object, link.crm_id, link.linked_by, now, ACTIVE],
            )


def synced_fields(con: sqlite3.Connection, sync: str) -> dict[tuple[str, str], Synced]:
    """(map_id, field) → the last agreed value of every field of the sync."""
    rows = con.execute(
        "select map_id, field, value_hash, value, synced_at from two_way_fields where sync = ?",
        [sync],
    ).fetchall()
    return {(r[0], r[1]): Synced(r[2], r[3], _parse(r[4])) for r in rows}


def synced_of(con: sqlite3.Connection, sync: str, map_id: str) -> dict[str, Synced]:
    """field → last agreed value, for one link."""
    rows = con.execute(
        "select field, value_hash, value, synced_at from two_way_fields "
        "where sync = ? and map_id = ?",
        [sync, map_id],
    ).fetchall()
    return {r[0]: Synced(r[1], r[2], _parse(r[3])) for r in rows}


def record_agreed(
    con: sqlite3.Connection,
    sync: str,
    run_id: str,
    outcomes: Iterable[tuple[Link, Decision]],
) -> None:
    """Both sides now hold each decision's value (written and accepted, or found equal): store
    it, and the losing value of every conflict. One transaction."""
    now = utcnow()
    with transaction(con):
        for link, d in outcomes:
            con.execute(
                "insert into two_way_fields values (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "on conflict (sync, map_id, field) do update set value_hash = excluded.value_hash, "
                "value = excluded.value, rule = excluded.rule, written_to = excluded.written_to, "
                "synced_at = excluded.synced_at, run_id = excluded.run_id",
                [
                    sync,
                    link.map_id,
                    d.field,
                    d.value_hash,
                    d.value,
                    d.rule,
                    d.write_to,
                    now,
                    run_id,
                ],
            )
            con.execute(
                "delete from two_way_rejects where sync = ? and map_id = ? and field = ?",
                [sync, link.map_id, d.field],
            )
            con.execute(  # its state changed: the next scheduled run decides it again
                "delete from two_way_seen where sync = ? and map_id = ?", [sync, link.map_id]
            )
            if d.conflict:
                con.execute(
                    "insert into sync_conflicts values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        sync, link.map_id, link.crm_object, link.crm_id, d.field,
                        d.map_before.value, _iso(d.map_before.at), d.crm_before.value,
                        _iso(d.crm_before.at), d.winner, d.rule, now, run_id,
                    ],
                )  # fmt: skip


# added after the first release: HubSpot records and requests sent and seconds spent sending them
# (the rate against HubSpot's limit, which counts requests), counterparts created per side
# (`create: true`), the diff's CPU time
RUN_COLUMNS = {
    "map_records": "integer",
    "map_requests": "integer",
    "map_send_seconds": "real",
    "created_map": "integer",
    "created_crm": "integer",
    "diff_cpu_seconds": "real",
}


def ensure_run_columns(con: sqlite3.Connection) -> None:
    """Add the `two_way_runs` columns a state file from an earlier version lacks."""
    present = {r[1] for r in con.execute("pragma table_info(two_way_runs)").fetchall()}
    for name, kind in RUN_COLUMNS.items():
        if name not in present:
            con.execute(f"alter table two_way_runs add column {name} {kind}")


def seen_fingerprints(con: sqlite3.Connection, sync: str) -> dict[str, tuple[str, str, str]]:
    """map id → (crm id, HubSpot fingerprint, Salesforce fingerprint) of the settled links."""
    rows = con.execute(
        "select map_id, crm_id, map_fingerprint, crm_fingerprint from two_way_seen where sync = ?",
        [sync],
    ).fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def save_seen(
    con: sqlite3.Connection, sync: str, settled: Iterable[tuple[str, str, str, str]]
) -> None:
    """(map id, crm id, fingerprints) of links a run found settled replace what was stored;
    links absent from `settled` are decided again next time."""
    with transaction(con):
        con.execute("delete from two_way_seen where sync = ?", [sync])
        con.executemany(
            "insert into two_way_seen values (?, ?, ?, ?, ?)",
            [(sync, *row) for row in settled],
        )


def record_rejects(
    con: sqlite3.Connection,
    sync: str,
    run_id: str,
    rejects: Iterable[tuple[str, str, str, str | None, str]],
) -> None:
    """(map_id, field, side, value, reason) of writes refused or values not convertible."""
    now = utcnow()
    with transaction(con):
        con.executemany(
            "insert or replace into two_way_rejects values (?, ?, ?, ?, ?, ?, ?, ?)",
            [(sync, m, f, s, v, r, now, run_id) for m, f, s, v, r in rejects],
        )


def replace_unlinked(
    con: sqlite3.Connection, sync: str, unlinked: Iterable[tuple[str, str, str]]
) -> None:
    """The (side, record id, reason) left out of this run replace those of the last one."""
    now = utcnow()
    with transaction(con):
        con.execute("delete from two_way_unlinked where sync = ?", [sync])
        con.executemany(
            "insert or replace into two_way_unlinked values (?, ?, ?, ?, ?)",
            [(sync, side, rid, reason, now) for side, rid, reason in unlinked],
        )


@lru_cache(maxsize=65_536)
def _parse(at: str) -> datetime:
    """A stored time (the fields of one commit share it: parsed once)."""
    return datetime.fromisoformat(at)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None
