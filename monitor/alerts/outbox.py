"""The delivery outbox: every notification is a row first, then an attempt.

Deliveries of one alert to one channel go out in order (a later one waits while an earlier one
is pending). A failed attempt stays pending with exponential backoff (at least the receiver's
Retry-After); one that can never succeed, or still fails `give_up_after` its first attempt, is
marked dead and its notification appended to the ticket file instead, so an alert is never
dropped. After a failure a channel gets no further attempts in the same run.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Literal

from monitor.alerts.config import RetryPolicy
from monitor.alerts.delivery import Channel, Delivery
from monitor.alerts.notification import Notification
from monitor.alerts.secrets import scrub
from monitor.alerts.state import iso, parse_time
from monitor.alerts.ticket import append_line, record
from warehouse.state_store import transaction

log = logging.getLogger("monitor.alerts")

LEASE = timedelta(minutes=5)  # a claimed delivery is not retried by another run before this

Result = Literal["delivered", "retry", "dead"]


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt made by this dispatch."""

    delivery_id: int
    channel: str
    alert_key: str
    kind: str
    result: Result
    attempts: int
    error: str = ""
    next_attempt_at: datetime | None = None
    rerouted_to: Path | None = None


@dataclass(frozen=True)
class ChannelHealth:
    """A channel's undelivered notifications: pending after a failure, or dead since its last
    successful delivery."""

    channel: str
    failing: int
    dead: int
    last_error: str

    @property
    def ok(self) -> bool:
        return self.failing == 0 and self.dead == 0


def enqueue(
    con: sqlite3.Connection,
    alert_id: int,
    note: Notification,
    channels: list[str],
    created_at: datetime,
    wall: datetime,
) -> None:
    for channel in channels:
        con.execute(
            "INSERT INTO alert_deliveries (alert_id, alert_key, channel, kind, severity, "
            "notification, state, created_at, next_attempt_at) "
            "VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
            (
                alert_id,
                note.alert_key,
                channel,
                note.kind,
                note.severity,
                note.to_json(),
                iso(created_at),
                iso(wall),
            ),
        )


def has_pending(con: sqlite3.Connection, alert_id: int, channel: str) -> bool:
    return (
        con.execute(
            "SELECT 1 FROM alert_deliveries WHERE alert_id = ? AND channel = ? "
            "AND state = 'pending' LIMIT 1",
            (alert_id, channel),
        ).fetchone()
        is not None
    )


def notified_channels(con: sqlite3.Connection, alert_id: int) -> list[str]:
    """Channels that received, or still will receive, this alert's notifications."""
    rows = con.execute(
        "SELECT channel FROM alert_deliveries WHERE alert_id = ? AND state != 'dead' "
        "GROUP BY channel ORDER BY min(id)",
        (alert_id,),
    )
    return [r[0] for r in rows]


def _claim(con: sqlite3.Connection, row: sqlite3.Row, wall: datetime) -> bool:
    """Take a pending delivery for this run (a concurrent run sees it leased)."""
    with transaction(con):
        cursor = con.execute(
            "UPDATE alert_deliveries SET next_attempt_at = ? "
            "WHERE id = ? AND state = 'pending' AND next_attempt_at = ?",
            (iso(wall + LEASE), row["id"], row["next_attempt_at"]),
        )
    return cursor.rowcount == 1


def _reroute(note: Notification, channel: str, error: str, ticket_file: Path) -> Path | None:
    try:
        append_line(ticket_file, record(note, undelivered={"channel": channel, "error": error}))
    except OSError as exc:
        log.error(
            "alert %s could not be delivered to %s (%s) nor written to the ticket file %s (%s)",
            note.alert_key,
            channel,
            error,
            ticket_file,
            exc.strerror or exc,
        )
        return None
    return ticket_file


def _record(
    con: sqlite3.Connection,
    row: sqlite3.Row,
    outcome: Delivery,
    policy: RetryPolicy,
    wall: datetime,
    ticket_file: Path,
) -> Attempt:
    attempts = row["attempts"] + 1
    first = parse_time(row["first_attempt_at"]) or wall
    note = Notification.from_json(row["notification"])
    attempt = partial(Attempt, row["id"], row["channel"], row["alert_key"], row["kind"])
    error, state, next_at, rerouted = outcome.error, "pending", wall, None
    if outcome.delivered:
        state = "delivered"
    elif outcome.permanent or wall - first >= policy.give_up_after:
        state = "dead"
        if not outcome.permanent:
            error = f"gave up after {attempts} attempts: {error}"
        rerouted = _reroute(note, row["channel"], error, ticket_file)
    else:
        wait = policy.backoff(attempts)
        if outcome.retry_after is not None:
            wait = max(wait, timedelta(seconds=outcome.retry_after))
        next_at = wall + wait
    with transaction(con):
        con.execute(
            "UPDATE alert_deliveries SET state = ?, attempts = ?, first_attempt_at = ?, "
            "last_attempt_at = ?, next_attempt_at = ?, delivered_at = ?, last_error = ? "
            "WHERE id = ?",
            (
                state,
                attempts,
                iso(first),
                iso(wall),
                iso(next_at),
                iso(wall) if state == "delivered" else None,
                error,
                row["id"],
            ),
        )
    if state == "delivered":
        log.info("alert %s (%s) delivered to %s", row["alert_key"], row["kind"], row["channel"])
        return attempt("delivered", attempts, error)
    if state == "dead":
        log.error(
            "alert delivery to %s is dead, not retried: %s; alert %s was written to the ticket "
            "file %s instead",
            row["channel"],
            error,
            row["alert_key"],
            rerouted or "(failed too)",
        )
        return attempt("dead", attempts, error, rerouted_to=rerouted)
    log.warning(
        "alert delivery to %s failed (attempt %d): %s; queued, next attempt after %s",
        row["channel"],
        attempts,
        error,
        iso(next_at),
    )
    return attempt("retry", attempts, error, next_attempt_at=next_at)


def _send(channel: Channel | None, row: sqlite3.Row) -> Delivery:
    if channel is None:
        return Delivery.dead(f"channel {row['channel']} is no longer configured")
    try:
        return channel.send(Notification.from_json(row["notification"]))
    except Exception as exc:  # a channel's bug must not stop the other deliveries
        log.exception("alert channel %s failed unexpectedly", row["channel"])
        return Delivery.retry(f"{row['channel']}: unexpected {type(exc).__name__}: {exc}")


def deliver_due(
    con: sqlite3.Connection,
    channels: Mapping[str, Channel],
    policy: RetryPolicy,
    ticket_file: Path,
    wall_clock: Callable[[], datetime],
    skip: set[str],
) -> list[Attempt]:
    """Attempt every due pending delivery once, in order; channels that fail join `skip`."""
    previous = con.row_factory
    con.row_factory = sqlite3.Row
    try:
        rows = con.execute(
            "SELECT * FROM alert_deliveries WHERE state = 'pending' ORDER BY id"
        ).fetchall()
        held: set[tuple[int, str]] = set()
        attempts: list[Attempt] = []
        for row in rows:
            key = (row["alert_id"], row["channel"])
            wall = wall_clock()
            due = datetime.fromisoformat(row["next_attempt_at"]) <= wall
            if key in held or row["channel"] in skip or not due or not _claim(con, row, wall):
                held.add(key)
                continue
            outcome = _send(channels.get(row["channel"]), row)
            attempt = _record(con, row, outcome, policy, wall_clock(), ticket_file)
            attempts.append(attempt)
            if attempt.result != "delivered":
                skip.add(row["channel"])
                held.add(key)
        return attempts
    finally:
        con.row_factory = previous


def channel_health(con: sqlite3.Connection) -> list[ChannelHealth]:
    """Every channel that ever had a delivery, with what it has left undelivered."""
    rows = con.execute(
        """
        WITH last_ok AS (
            SELECT channel, max(delivered_at) AS at FROM alert_deliveries
            WHERE state = 'delivered' GROUP BY channel
        )
        SELECT d.channel,
               sum(d.state = 'pending' AND d.attempts > 0) AS failing,
               sum(d.state = 'dead' AND d.last_attempt_at > coalesce(o.at, '')) AS dead,
               (SELECT e.last_error FROM alert_deliveries e
                WHERE e.channel = d.channel AND e.state != 'delivered' AND e.attempts > 0
                ORDER BY e.last_attempt_at DESC LIMIT 1) AS last_error
        FROM alert_deliveries d LEFT JOIN last_ok o ON o.channel = d.channel
        GROUP BY d.channel ORDER BY d.channel
        """
    ).fetchall()
    return [ChannelHealth(r[0], int(r[1] or 0), int(r[2] or 0), scrub(r[3] or "")) for r in rows]
