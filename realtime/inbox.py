"""The durable event inbox: every accepted webhook or form post, committed before its 2xx.

Lives in `<warehouse>/state/events.sqlite` (WAL, like the sync state; see
warehouse/state_store.py) and is mirrored into the warehouse schema `events` on publish.

| table | one row per |
|---|---|
| `inbox` | accepted event: source, the vendor's event id (unique per source), the record it is about, payload, status (`pending`, `done`, `dead`), attempts, next attempt, last error, when it occurred, was received and was applied |
| `refusals` | refused delivery: source, reason, HTTP status, when (no payload is kept: it may be forged) |
| `cursors` | polled source object (Salesforce Lead, Contact): the newest change stamp seen |
| `heartbeats` | `roundtrip serve` process: pid, started, last seen (kept after it stops) |

Guarantees: a delivery is committed (fsynced: synchronous=FULL) before it is acknowledged, with
the deliveries of concurrent requests sharing one transaction (receiver.py groups them); a second
delivery of the same (source, event id) is a no-op; events about the same record are applied in
the order they were received (an event is claimable only while no earlier event of its record is
unfinished); a failed event waits with exponential backoff and is dead-lettered after
`MAX_ATTEMPTS` failures, keeping the reason.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from warehouse.state_store import connect_state, transaction

MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 5.0
MAX_RETRY_SECONDS = 15 * 60.0

SCHEMA = """
create table if not exists inbox (
    seq integer primary key autoincrement,
    source text not null,
    event_id text not null,
    kind text not null,
    record_key text not null,
    payload text not null,
    occurred_at timestamp not null,
    received_at timestamp not null,
    status text not null default 'pending',
    attempts integer not null default 0,
    next_attempt_at timestamp not null,
    last_error text,
    applied_at timestamp,
    result text,
    unique (source, event_id)
);
create index if not exists inbox_pending on inbox (status, record_key, seq);
create table if not exists refusals (
    source text not null,
    reason text not null,
    http_status integer not null,
    refused_at timestamp not null
);
create table if not exists cursors (
    source text not null,
    object text not null,
    cursor timestamp not null,
    primary key (source, object)
);
create table if not exists heartbeats (
    pid integer primary key,
    started_at timestamp not null,
    last_seen_at timestamp not null
);
"""


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Event:
    """One event as the receiver accepted it."""

    source: str  # hubspot | website | salesforce
    event_id: str  # the vendor's own id: idempotency key within the source
    kind: str  # e.g. form.submission, contact.propertyChange
    record_key: (
        str  # what it is about (normalized email, hubspot:contact:<id>): order is kept per key
    )
    payload: dict[str, Any]
    occurred_at: datetime


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    source: str
    event_id: str
    kind: str
    record_key: str
    payload: dict[str, Any]
    occurred_at: datetime
    received_at: datetime
    status: str
    attempts: int
    last_error: str | None
    applied_at: datetime | None
    result: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> StoredEvent:
        return cls(
            row["seq"],
            row["source"],
            row["event_id"],
            row["kind"],
            row["record_key"],
            json.loads(row["payload"]),
            _parse(row["occurred_at"]) or _now(),
            _parse(row["received_at"]) or _now(),
            row["status"],
            row["attempts"],
            row["last_error"],
            _parse(row["applied_at"]),
            row["result"],
        )


def backoff(attempts: int) -> float:
    """Seconds before the next try after `attempts` failures: 5 s doubling, at most 15 min."""
    return min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)


class Inbox:
    """One process's connection to the inbox file (not shared between threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.con = connect_state(path, SCHEMA)
        self.con.execute("PRAGMA synchronous=FULL")  # an acknowledged event survives power loss
        self.con.row_factory = sqlite3.Row

    def close(self) -> None:
        self.con.close()

    # ------------------------------------------------------------------ receiving
    def record(
        self, deliveries: list[list[Event]], refusals: Iterable[tuple[str, str, int]] = ()
    ) -> list[tuple[int, int]]:
        """Commit several deliveries (and refusals: source, reason, HTTP status) in one
        transaction, so concurrent requests share one fsync; (new, already known) per delivery."""
        now = _iso(_now())
        counts = []
        with transaction(self.con):
            for events in deliveries:
                new = 0
                for e in events:
                    new += self.con.execute(
                        "insert into inbox (source, event_id, kind, record_key, payload, "
                        "occurred_at, received_at, next_attempt_at) values (?, ?, ?, ?, ?, ?, ?, ?) "
                        "on conflict (source, event_id) do nothing",
                        [e.source, e.event_id, e.kind, e.record_key,
                         json.dumps(e.payload, separators=(",", ":"), default=str),
                         _iso(e.occurred_at), now, now],
                    ).rowcount  # fmt: skip
                counts.append((new, len(events) - new))
            self.con.executemany(
                "insert into refusals values (?, ?, ?, ?)", [(*r, now) for r in refusals]
            )
        return counts

    def accept(self, events: Iterable[Event]) -> tuple[int, int]:
        """Commit one delivery's events; (new, already known) counts."""
        return self.record([list(events)])[0]

    def refuse(self, source: str, reason: str, http_status: int) -> None:
        self.record([], [(source, reason, http_status)])

    # ------------------------------------------------------------------ working
    def claim(self, limit: int, now: datetime | None = None) -> list[StoredEvent]:
        """The next due events, at most one per record and only the oldest unfinished event of
        each record, in arrival order."""
        rows = self.con.execute(
            "select * from inbox i where status = 'pending' and next_attempt_at <= ? "
            "and not exists (select 1 from inbox e where e.record_key = i.record_key "
            "and e.status = 'pending' and e.seq < i.seq) order by seq limit ?",
            [_iso(now or _now()), limit],
        ).fetchall()
        return [StoredEvent.from_row(r) for r in rows]

    def settle(
        self,
        done: Iterable[tuple[int, str]],
        failed: Iterable[tuple[int, str, bool]] = (),
        at: datetime | None = None,
    ) -> dict[int, str]:
        """Record a batch's outcomes in one transaction: `done` (seq, result) are applied;
        `failed` (seq, error, final) wait with backoff, or die after MAX_ATTEMPTS tries (at once
        when final, e.g. a bad payload). Returns the new status of each failed event."""
        applied = _iso(at or _now())
        statuses = {}
        with transaction(self.con):
            self.con.executemany(
                "update inbox set status = 'done', applied_at = ?, result = ?, last_error = null, "
                "attempts = attempts + 1 where seq = ?",
                [(applied, result, seq) for seq, result in done],
            )
            for seq, error, final in failed:
                row = self.con.execute("select attempts from inbox where seq = ?", [seq]).fetchone()
                attempts = (row["attempts"] if row else 0) + 1
                status = "dead" if final or attempts >= MAX_ATTEMPTS else "pending"
                due = _iso(_now() + timedelta(seconds=backoff(attempts)))
                self.con.execute(
                    "update inbox set status = ?, attempts = ?, last_error = ?, "
                    "next_attempt_at = ? where seq = ?",
                    [status, attempts, error[:2000], due, seq],
                )
                statuses[seq] = status
        return statuses

    def complete(self, seq: int, result: str, at: datetime | None = None) -> None:
        self.settle([(seq, result)], at=at)

    def fail(self, seq: int, error: str, final: bool = False) -> str:
        return self.settle([], [(seq, error, final)])[seq]

    def defer(self, seqs: list[int], seconds: float, reason: str) -> None:
        """Push events back without counting an attempt (the destination asked us to wait)."""
        due = _iso(_now() + timedelta(seconds=seconds))
        with transaction(self.con):
            self.con.executemany(
                "update inbox set next_attempt_at = ?, last_error = ? where seq = ?",
                [(due, reason, seq) for seq in seqs],
            )

    # ------------------------------------------------------------------ operators
    def events(self, status: str | None = None, limit: int = 50) -> list[StoredEvent]:
        """The newest events, all or in one status."""
        where, params = ("where status = ?", [status]) if status else ("", [])
        rows = self.con.execute(
            f"select * from inbox {where} order by seq desc limit ?", [*params, limit]
        ).fetchall()
        return [StoredEvent.from_row(r) for r in rows]

    def requeue(self, seqs: list[int] | None = None, status: str = "dead") -> int:
        """Make events pending again with fresh attempts: given `seqs` (replay, any status), else
        every event in `status` (retry of the dead letters). Returns how many."""
        now = _iso(_now())
        with transaction(self.con):
            if seqs:
                cursor = self.con.execute(
                    "update inbox set status = 'pending', attempts = 0, next_attempt_at = ? "
                    f"where seq in ({', '.join('?' * len(seqs))})",
                    [now, *seqs],
                )
            else:
                cursor = self.con.execute(
                    "update inbox set status = 'pending', attempts = 0, next_attempt_at = ? "
                    "where status = ?",
                    [now, status],
                )
        return cursor.rowcount

    def counts(self) -> dict[str, int]:
        rows = self.con.execute("select status, count(*) from inbox group by status").fetchall()
        return {r[0]: r[1] for r in rows}

    def refusal_counts(self) -> dict[tuple[str, str], int]:
        rows = self.con.execute(
            "select source, reason, count(*) from refusals group by 1, 2 order by 3 desc"
        ).fetchall()
        return {(r[0], r[1]): r[2] for r in rows}

    # ------------------------------------------------------------------ liveness
    def beat(self, started_at: datetime) -> None:
        with transaction(self.con):
            self.con.execute(
                "insert into heartbeats values (?, ?, ?) on conflict (pid) do update "
                "set last_seen_at = excluded.last_seen_at",
                [os.getpid(), _iso(started_at), _iso(_now())],
            )

    # ------------------------------------------------------------------ polled sources
    def cursor(self, source: str, obj: str) -> datetime | None:
        row = self.con.execute(
            "select cursor from cursors where source = ? and object = ?", [source, obj]
        ).fetchone()
        return _parse(row["cursor"]) if row else None

    def set_cursor(self, source: str, obj: str, moment: datetime) -> None:
        with transaction(self.con):
            self.con.execute(
                "insert into cursors values (?, ?, ?) on conflict (source, object) "
                "do update set cursor = max(cursor, excluded.cursor)",
                [source, obj, _iso(moment)],
            )
