"""Turn check results into alert notifications and deliver them.

`dispatch` runs after every health run:
1. Lifecycle (one transaction): a failing result opens an alert and notifies the channels routed
   for its severity; while it stays open nothing is re-sent, except a change of status or
   severity (warn → fail, medium → high: a new notification) and a repeat once the severity's
   `repeat_every` has passed since the last one. A passing result resolves the open alert and
   sends "resolved" to every channel that was notified. Only an explicit pass resolves: an alert
   whose check did not report this run stays open. A failing result without a severity counts
   as Low.
2. Delivery: the outbox attempts every due delivery (see `outbox.py`).
3. Self-monitoring: one `alert_delivery` result per channel ever used — failing while the
   channel has deliveries waiting for a retry or dead since its last success. These results go
   through the same lifecycle, routed away from the failing channels (the ticket file at
   least), and are returned in the report so `roundtrip health` shows and stores them.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from monitor.alerts.channels import open_channels
from monitor.alerts.config import AlertsConfig
from monitor.alerts.notification import Kind, Notification
from monitor.alerts.outbox import (
    Attempt,
    ChannelHealth,
    channel_health,
    deliver_due,
    enqueue,
    has_pending,
    notified_channels,
)
from monitor.alerts.state import ensure_schema, iso, parse_time
from monitor.results import CheckResult, Severity, Status
from warehouse.state_store import transaction

log = logging.getLogger("monitor.alerts")

DELIVERY_CHECK = "alert_delivery"
_STATUS_RANK = {Status.PASS: 0, Status.WARN: 1, Status.ERROR: 2, Status.FAIL: 3}


@dataclass
class DispatchReport:
    """What one dispatch decided and delivered."""

    opened: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    results: list[CheckResult] = field(default_factory=list)  # alert_delivery, per channel

    @property
    def delivered(self) -> list[Attempt]:
        return [a for a in self.attempts if a.result == "delivered"]

    @property
    def failed(self) -> list[Attempt]:
        """Attempts that did not deliver: queued for a retry, or dead (rerouted)."""
        return [a for a in self.attempts if a.result != "delivered"]

    @property
    def ok(self) -> bool:
        return not self.failed and all(r.passing for r in self.results)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _worst_per_key(results: list[CheckResult]) -> list[CheckResult]:
    """One result per alert key: the most severe, in first-seen order."""
    chosen: dict[str, CheckResult] = {}
    for result in results:
        current = chosen.get(result.alert_key)
        rank = (_STATUS_RANK[result.status], result.severity or 0)
        if current is None or rank > (_STATUS_RANK[current.status], current.severity or 0):
            chosen[result.alert_key] = result
    return list(chosen.values())


class _Lifecycle:
    """Opens, changes, repeats and resolves alerts inside one transaction."""

    def __init__(
        self,
        con: sqlite3.Connection,
        config: AlertsConfig,
        now: datetime,
        wall: datetime,
        report: DispatchReport,
    ) -> None:
        self.con, self.config, self.now, self.wall, self.report = con, config, now, wall, report

    def apply(self, result: CheckResult, exclude: frozenset[str]) -> None:
        row = self.con.execute(
            "SELECT id, status, severity, opened_at, last_notified_at FROM alerts "
            "WHERE alert_key = ? AND state = 'open'",
            (result.alert_key,),
        ).fetchone()
        if result.passing:
            if row is not None:
                self._resolve(result, row)
            return
        severity = result.severity or Severity.LOW
        channels = self.config.channels_for(severity, exclude)
        if row is None:
            self._open(result, severity, channels)
            return
        alert_id, status, severity_name, opened_text, notified_text = row
        opened = parse_time(opened_text) or self.now
        self._touch(alert_id, result, severity)
        if (status, Severity.parse(severity_name)) != (str(result.status), severity):
            previous = f"{status}/{severity_name}"
            self._notify(alert_id, result, "changed", severity, opened, channels, previous)
            self.report.changed.append(result.alert_key)
            return
        every = self.config.repeat_every[severity]
        last = parse_time(notified_text) or opened
        if every is not None and self.now - last >= every:
            due = [c for c in channels if not has_pending(self.con, alert_id, c)]
            if due:
                self._notify(alert_id, result, "repeat", severity, opened, due)
                self.report.repeated.append(result.alert_key)

    def _open(self, result: CheckResult, severity: Severity, channels: list[str]) -> None:
        cursor = self.con.execute(
            "INSERT INTO alerts (alert_key, check_name, subject, system, state, status, severity, "
            "value, threshold, message, owner, opened_at, last_seen_at) "
            "VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                result.alert_key,
                result.check,
                result.subject,
                result.system,
                str(result.status),
                severity.name.lower(),
                result.value,
                result.threshold,
                result.message,
                result.owner,
                iso(self.now),
                iso(self.now),
            ),
        )
        assert cursor.lastrowid is not None
        self._notify(cursor.lastrowid, result, "open", severity, self.now, channels)
        self.report.opened.append(result.alert_key)
        log.info("alert opened: %s (%s)", result.alert_key, ", ".join(channels) or "no channel")

    def _touch(self, alert_id: int, result: CheckResult, severity: Severity) -> None:
        self.con.execute(
            "UPDATE alerts SET status = ?, severity = ?, value = ?, threshold = ?, message = ?, "
            "last_seen_at = ? WHERE id = ?",
            (
                str(result.status),
                severity.name.lower(),
                result.value,
                result.threshold,
                result.message,
                iso(self.now),
                alert_id,
            ),
        )

    def _resolve(self, result: CheckResult, row: tuple) -> None:
        alert_id, _status, severity_name, opened_text, _ = row
        opened = parse_time(opened_text) or self.now
        self.con.execute(
            "UPDATE alerts SET state = 'resolved', resolved_at = ?, last_seen_at = ?, "
            "value = ?, message = ? WHERE id = ?",
            (iso(self.now), iso(self.now), result.value, result.message, alert_id),
        )
        channels = notified_channels(self.con, alert_id)
        severity = Severity.parse(severity_name)
        self._notify(alert_id, result, "resolve", severity, opened, channels)
        self.report.resolved.append(result.alert_key)
        log.info("alert resolved: %s", result.alert_key)

    def _notify(
        self,
        alert_id: int,
        result: CheckResult,
        kind: Kind,
        severity: Severity,
        opened: datetime,
        channels: list[str],
        previous: str | None = None,
    ) -> None:
        note = Notification.from_result(result, kind, severity, opened, previous)
        enqueue(self.con, alert_id, note, channels, self.now, self.wall)
        if channels:
            self.con.execute(
                "UPDATE alerts SET last_notified_at = ?, notifications = notifications + 1 "
                "WHERE id = ?",
                (iso(self.now), alert_id),
            )


def _apply_all(
    con: sqlite3.Connection,
    results: list[CheckResult],
    config: AlertsConfig,
    now: datetime,
    wall: datetime,
    report: DispatchReport,
    exclude: frozenset[str] = frozenset(),
) -> None:
    lifecycle = _Lifecycle(con, config, now, wall, report)
    with transaction(con):
        for result in _worst_per_key(results):
            lifecycle.apply(result, exclude)


def delivery_result(health: ChannelHealth, config: AlertsConfig, now: datetime) -> CheckResult:
    """The `alert_delivery` check result of one channel."""
    if health.ok:
        return CheckResult(
            check=DELIVERY_CHECK,
            subject=health.channel,
            system=None,
            status=Status.PASS,
            severity=None,
            value=0,
            threshold="0 undelivered alerts",
            message=f"alerts are delivered to {health.channel}",
            observed_at=now,
        )
    parts = []
    if health.failing:
        parts.append(f"{health.failing} waiting for a retry")
    if health.dead:
        parts.append(f"{health.dead} dead (written to {config.ticket.file} instead)")
    return CheckResult(
        check=DELIVERY_CHECK,
        subject=health.channel,
        system=None,
        status=Status.FAIL,
        severity=config.delivery_failure_severity,
        value=health.failing + health.dead,
        threshold="0 undelivered alerts",
        message=(
            f"alert deliveries to {health.channel} fail: {', '.join(parts)}; "
            f"last error: {health.last_error}"
        ),
        observed_at=now,
        details={"failing": health.failing, "dead": health.dead},
    )


def dispatch(
    results: list[CheckResult],
    config: AlertsConfig,
    state: sqlite3.Connection,
    now: datetime,
    *,
    wall_clock: Callable[[], datetime] = _utc_now,
) -> DispatchReport:
    """Open, repeat and resolve alerts for `results` (observed at `now`, the monitoring clock),
    deliver what is due, and report — including one `alert_delivery` result per channel used.
    `wall_clock` times delivery attempts and backoff (real time, whatever `now` says)."""
    ensure_schema(state)
    report = DispatchReport()
    skip: set[str] = set()
    with open_channels(config) as channels:

        def deliver() -> None:
            report.attempts.extend(
                deliver_due(state, channels, config.retry, config.ticket.file, wall_clock, skip)
            )

        _apply_all(state, results, config, now, wall_clock(), report)
        deliver()
        health = channel_health(state)
        report.results = [delivery_result(h, config, now) for h in health]
        failing = frozenset(h.channel for h in health if not h.ok)
        _apply_all(state, report.results, config, now, wall_clock(), report, failing)
        deliver()
    return report
