"""What each destination last accepted, what it rejected, and every sync run.

Lives in `<warehouse>/state/reverse.sqlite` (warehouse/state_store.py: written while loads run,
survives kill -9 commit by commit) and is mirrored into the warehouse schema `reverse` on every
publish.

| table | one row per |
|---|---|
| `sync_state` | record a destination accepted: the hash and payload of the mapped fields it holds |
| `sync_rejects` | record a destination refused: reason, attempts, last attempt; `dead` after the limit |
| `sync_runs` | run of one sync: planned, sent, accepted, rejected, retried, requests, status |
| `sync_mismatches` | record whose loaded CRM value differs from what the CRM accepted (last check) |

A record's state changes only in the transaction that handles the destination's answer to the
request that carried it, so the state never claims a write the destination did not accept; a
crash between request and commit leaves the record unaccepted, and the next run sends it again.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa

from warehouse.state_store import transaction

SCHEMA = """
create table if not exists sync_state (
    sync text not null,
    key text not null,
    record_id text,
    fields_hash text not null,
    payload text not null,
    accepted_at timestamp not null,
    run_id text not null,
    primary key (sync, key)
);
create table if not exists sync_rejects (
    sync text not null,
    key text not null,
    fields_hash text not null,
    payload text not null,
    reason text not null,
    attempts integer not null,
    first_failed_at timestamp not null,
    last_attempt_at timestamp not null,
    status text not null,
    run_id text not null,
    primary key (sync, key)
);
create table if not exists sync_runs (
    run_id text primary key,
    sync text not null,
    pid integer,
    started_at timestamp not null,
    finished_at timestamp,
    status text not null,
    full_resync boolean not null,
    checked integer not null default 0,
    mismatched integer not null default 0,
    planned integer not null default 0,
    inserts integer not null default 0,
    updates integer not null default 0,
    clears integer not null default 0,
    skipped_null integer not null default 0,
    invalid integer not null default 0,
    sent integer not null default 0,
    accepted integer not null default 0,
    rejected integer not null default 0,
    retried integer not null default 0,
    dead integer not null default 0,
    requests integer not null default 0,
    http_retries integer not null default 0,
    diff_seconds real,
    seconds real,
    error text
);
create table if not exists sync_mismatches (
    sync text not null,
    key text not null,
    field text not null,
    accepted_value text,
    crm_value text,
    accepted_at timestamp not null,
    checked_at timestamp not null,
    primary key (sync, key, field)
);
"""

RETRYING, DEAD, GONE = "retrying", "dead", "gone"
# the hash a rejected clear is kept under (a clear has no fields hash)
CLEAR_HASH = "clear"


def utcnow() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class Accepted:
    key: str
    record_id: str | None
    fields_hash: str | None  # None: a cleared record, which leaves the state
    payload: str


@dataclass(frozen=True)
class Rejected:
    key: str
    fields_hash: str
    payload: str
    reason: str


def known_hashes(con: sqlite3.Connection, sync: str) -> pa.Table:
    """(key, fields_hash, payload, reject_hash, reject_status) of every key the sync has state
    or a reject for, as Arrow for the diff (`payload`: the values the destination accepted)."""
    rows = con.execute(
        """
        select key, max(fields_hash), max(payload), max(reject_hash), max(reject_status) from (
            select key, fields_hash, payload, null as reject_hash, null as reject_status
            from sync_state where sync = ?
            union all
            select key, null, null, fields_hash, status from sync_rejects where sync = ?
        ) group by key
        """,
        [sync, sync],
    ).fetchall()
    names = ("key", "fields_hash", "payload", "reject_hash", "reject_status")
    return pa.table({n: pa.array([r[i] for r in rows], pa.string()) for i, n in enumerate(names)})


def start_run(con: sqlite3.Connection, run_id: str, sync: str, full: bool) -> None:
    """Record the run as running; earlier runs of this sync left `running` by a killed process
    are marked `crashed`."""
    with transaction(con):
        for old_run, pid in con.execute(
            "select run_id, pid from sync_runs where sync = ? and status = 'running'", [sync]
        ).fetchall():
            if pid is None or not _alive(pid):
                con.execute(
                    "update sync_runs set status = 'crashed', error = "
                    "'the process ended before the run finished (killed or crashed)' "
                    "where run_id = ?",
                    [old_run],
                )
        con.execute(
            "insert into sync_runs (run_id, sync, pid, started_at, status, full_resync) "
            "values (?, ?, ?, ?, 'running', ?)",
            [run_id, sync, os.getpid(), utcnow(), full],
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid != os.getpid()


def update_run(con: sqlite3.Connection, run_id: str, **values: object) -> None:
    assignments = ", ".join(f"{k} = ?" for k in values)
    with transaction(con):
        con.execute(
            f"update sync_runs set {assignments} where run_id = ?", [*values.values(), run_id]
        )


def record_outcomes(
    con: sqlite3.Connection,
    sync: str,
    run_id: str,
    max_attempts: int,
    accepted: Iterable[Accepted],
    rejected: Iterable[Rejected],
) -> int:
    """Apply one request's answers in one transaction; return how many rejects went dead."""
    now = utcnow()
    dead = 0
    with transaction(con):
        for a in accepted:
            con.execute("delete from sync_rejects where sync = ? and key = ?", [sync, a.key])
            if a.fields_hash is None:
                con.execute("delete from sync_state where sync = ? and key = ?", [sync, a.key])
                continue
            con.execute(
                "insert into sync_state values (?, ?, ?, ?, ?, ?, ?) on conflict (sync, key) do "
                "update set record_id = excluded.record_id, fields_hash = excluded.fields_hash, "
                "payload = excluded.payload, accepted_at = excluded.accepted_at, "
                "run_id = excluded.run_id",
                [sync, a.key, a.record_id, a.fields_hash, a.payload, now, run_id],
            )
        for r in rejected:
            row = con.execute(
                "select attempts, fields_hash from sync_rejects where sync = ? and key = ?",
                [sync, r.key],
            ).fetchone()
            # a new value gets a fresh set of attempts
            attempts = 1 if row is None or row[1] != r.fields_hash else row[0] + 1
            status = DEAD if attempts >= max_attempts else RETRYING
            dead += status == DEAD
            con.execute(
                "insert into sync_rejects values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "on conflict (sync, key) do update set fields_hash = excluded.fields_hash, "
                "payload = excluded.payload, reason = excluded.reason, "
                "attempts = excluded.attempts, last_attempt_at = excluded.last_attempt_at, "
                "status = excluded.status, run_id = excluded.run_id",
                [
                    sync,
                    r.key,
                    r.fields_hash,
                    r.payload,
                    r.reason,
                    attempts,
                    now,
                    now,
                    status,
                    run_id,
                ],
            )
    return dead


def retire_rejects(con: sqlite3.Connection, sync: str, keys: list[str]) -> None:
    """Rejected records that left the model: kept for the record, no longer retried."""
    with transaction(con):
        con.executemany(
            "update sync_rejects set status = ? where sync = ? and key = ? and status != ?",
            [(GONE, sync, k, GONE) for k in keys],
        )
