"""Alert state in `<warehouse>/state/monitor.sqlite` (mirrored to the warehouse `monitor` schema).

`alerts`: one row per incident — a condition (alert_key) from the first failing result until a
passing one; at most one open row per alert_key. `alert_deliveries`: the outbox and attempt log,
one row per notification per channel. Its wall-clock columns (`first_attempt_at`,
`last_attempt_at`, `next_attempt_at`, `delivered_at`) are real time, because vendors' rate
limits and backoff are; the alert columns and `created_at` follow the monitoring clock (the
sandbox clock in sandbox mode). No secret is ever stored here.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from monitor.results import Severity

ALERTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY,
    alert_key TEXT NOT NULL,
    check_name TEXT NOT NULL,
    subject TEXT NOT NULL,
    system TEXT,
    state TEXT NOT NULL CHECK (state IN ('open', 'resolved')),
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    value REAL,
    threshold TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    owner TEXT NOT NULL DEFAULT '',
    opened_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    last_notified_at TIMESTAMP,
    notifications INTEGER NOT NULL DEFAULT 0,
    resolved_at TIMESTAMP
);
CREATE UNIQUE INDEX IF NOT EXISTS alerts_one_open ON alerts (alert_key) WHERE state = 'open';
CREATE TABLE IF NOT EXISTS alert_deliveries (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts (id),
    alert_key TEXT NOT NULL,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    notification TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    first_attempt_at TIMESTAMP,
    last_attempt_at TIMESTAMP,
    next_attempt_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS alert_deliveries_by_state ON alert_deliveries (state, channel, id);
"""


def ensure_schema(con: sqlite3.Connection) -> None:
    con.executescript(ALERTS_SCHEMA)


def iso(moment: datetime) -> str:
    """UTC ISO 8601 text with microseconds, so stored times compare as text (naive datetimes
    are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


@dataclass(frozen=True)
class OpenAlert:
    """An alert that is open now (for `roundtrip status` and the status page)."""

    id: int
    alert_key: str
    check: str
    subject: str
    system: str | None
    status: str
    severity: Severity
    message: str
    opened_at: datetime
    last_seen_at: datetime
    last_notified_at: datetime | None
    notifications: int

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> OpenAlert:
        opened = parse_time(row["opened_at"])
        seen = parse_time(row["last_seen_at"])
        assert opened is not None and seen is not None  # NOT NULL columns
        return cls(
            id=row["id"],
            alert_key=row["alert_key"],
            check=row["check_name"],
            subject=row["subject"],
            system=row["system"],
            status=row["status"],
            severity=Severity.parse(row["severity"]),
            message=row["message"],
            opened_at=opened,
            last_seen_at=seen,
            last_notified_at=parse_time(row["last_notified_at"]),
            notifications=row["notifications"],
        )


def _has_alert_tables(con: sqlite3.Connection) -> bool:
    return (
        con.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alerts'"
        ).fetchone()[0]
        == 1
    )


def open_alerts(con: sqlite3.Connection) -> list[OpenAlert]:
    """Every open alert, most severe first, then oldest first; [] before any alert existed."""
    if not _has_alert_tables(con):
        return []
    previous = con.row_factory
    con.row_factory = sqlite3.Row
    try:
        rows = con.execute("SELECT * FROM alerts WHERE state = 'open'").fetchall()
    finally:
        con.row_factory = previous
    alerts = [OpenAlert.from_row(row) for row in rows]
    return sorted(alerts, key=lambda a: (-a.severity, a.opened_at, a.alert_key))
