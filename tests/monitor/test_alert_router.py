"""Alert routing end to end over loopback: dedup, repeat, severity change, resolve, channel
failure then retry, dead deliveries surfaced and rerouted, and no secret anywhere."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from monitor.alerts.config import AlertsConfig
from monitor.alerts.router import DELIVERY_CHECK, DispatchReport, dispatch
from monitor.alerts.state import open_alerts
from monitor.results import CheckResult, Severity, Status
from tests.conftest import Project
from tests.monitor.receivers import (
    SMTP_PASSWORD,
    PagerDutyEvents,
    Reply,
    SlackWebhook,
    SmtpServer,
    TicketWebhook,
    alerts_config,
)
from warehouse.state_store import connect_state, mirror_state

T0 = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
KEY = "roundtrip/crm_record_count/hubspot.contacts"


class WallClock:
    """The real-time clock the outbox times retries with, moved by hand."""

    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def state(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    con = connect_state(tmp_path / "state" / "monitor.sqlite", "")
    yield con
    con.close()


def result(
    status: Status,
    severity: Severity | None,
    at: datetime,
    check: str = "crm_record_count",
    subject: str = "hubspot.contacts",
) -> CheckResult:
    return CheckResult(
        check=check,
        subject=subject,
        system="hubspot",
        status=status,
        severity=severity,
        value=37.0 if status is not Status.PASS else 1180.0,
        threshold="< 50% of expected 1,204 (floor 100)",
        message="37 rows, expected 1,204" if status is not Status.PASS else "1,180 rows",
        observed_at=at,
        owner="data-eng",
    )


def run(
    results: list[CheckResult],
    config: AlertsConfig,
    state: sqlite3.Connection,
    at: datetime,
    clock: WallClock | None = None,
) -> DispatchReport:
    return dispatch(results, config, state, at, wall_clock=clock or WallClock())


def titles(slack: SlackWebhook) -> list[str]:
    return [m["blocks"][0]["text"]["text"] for m in slack.messages]


def tickets(config: AlertsConfig) -> list[dict]:
    if not config.ticket.file.exists():
        return []
    return [json.loads(line) for line in config.ticket.file.read_text().splitlines()]


def delivery(report: DispatchReport, channel: str) -> CheckResult:
    return next(r for r in report.results if r.check == DELIVERY_CHECK and r.subject == channel)


def test_dedup_while_open_repeat_after_interval_and_resolve(
    tmp_path: Path, state: sqlite3.Connection, slack: SlackWebhook, smtp: SmtpServer
) -> None:
    config = alerts_config(tmp_path, slack=slack, smtp=smtp, repeat_every={"high": "4h"})
    failing = Status.FAIL, Severity.HIGH

    first = run([result(*failing, T0)], config, state, T0)
    assert first.opened == [KEY] and first.ok
    assert titles(slack) == ["[HIGH] FAIL crm_record_count · hubspot.contacts"]
    assert len(smtp.messages) == 1

    for hours in (1, 2, 3):  # still failing, inside the repeat interval: nothing is re-sent
        again = run([result(*failing, T0 + timedelta(hours=hours))], config, state, T0)
        assert (again.opened, again.repeated, again.attempts) == ([], [], [])
    assert len(slack.messages) == 1 and len(smtp.messages) == 1

    at = T0 + timedelta(hours=4)
    repeat = run([result(*failing, at)], config, state, at)
    assert repeat.repeated == [KEY]
    assert titles(slack)[-1] == "[HIGH] still failing: FAIL crm_record_count · hubspot.contacts"
    assert len(smtp.messages) == 2

    [alert] = open_alerts(state)
    assert (alert.alert_key, alert.severity, alert.opened_at, alert.notifications) == (
        KEY,
        Severity.HIGH,
        T0,
        2,
    )

    at = T0 + timedelta(hours=5)
    resolved = run([result(Status.PASS, None, at)], config, state, at)
    assert resolved.resolved == [KEY]
    assert titles(slack)[-1] == "[RESOLVED] crm_record_count · hubspot.contacts"
    assert (
        smtp.messages[-1]["Subject"] == "Roundtrip [RESOLVED] crm_record_count · hubspot.contacts"
    )
    assert open_alerts(state) == []

    # failing again later is a new incident
    at = T0 + timedelta(hours=6)
    assert run([result(*failing, at)], config, state, at).opened == [KEY]
    assert open_alerts(state)[0].opened_at == at


def test_a_severity_change_notifies_the_new_route_and_resolve_reaches_every_channel(
    tmp_path: Path,
    state: sqlite3.Connection,
    slack: SlackWebhook,
    smtp: SmtpServer,
    pagerduty: PagerDutyEvents,
) -> None:
    config = alerts_config(tmp_path, slack=slack, smtp=smtp, pagerduty=pagerduty)
    run([result(Status.WARN, Severity.MEDIUM, T0)], config, state, T0)
    assert (len(smtp.messages), slack.messages, pagerduty.events) == (1, [], [])

    at = T0 + timedelta(minutes=10)
    changed = run([result(Status.FAIL, Severity.HIGH, at)], config, state, at)
    assert changed.changed == [KEY]
    assert titles(slack) == ["[HIGH] changed: FAIL crm_record_count · hubspot.contacts"]
    assert len(smtp.messages) == 2

    at = T0 + timedelta(minutes=20)
    run([result(Status.FAIL, Severity.CRITICAL, at)], config, state, at)
    assert [e["event_action"] for e in pagerduty.events] == ["trigger"]
    assert pagerduty.events[0]["payload"]["custom_details"]["previously"] == "fail/high"

    at = T0 + timedelta(minutes=30)
    run([result(Status.PASS, None, at)], config, state, at)
    assert pagerduty.incidents == {KEY: "resolved"}
    assert titles(slack)[-1] == "[RESOLVED] crm_record_count · hubspot.contacts"
    assert smtp.messages[-1]["Subject"].startswith("Roundtrip [RESOLVED]")


def test_rate_limited_slack_is_queued_surfaced_and_retried_after_retry_after(
    tmp_path: Path,
    state: sqlite3.Connection,
    slack: SlackWebhook,
    smtp: SmtpServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = alerts_config(tmp_path, slack=slack, smtp=smtp)
    clock = WallClock()
    slack.fail_next(SlackWebhook.rate_limited(120))
    failing = [result(Status.FAIL, Severity.HIGH, T0)]

    with caplog.at_level(logging.WARNING, logger="monitor.alerts"):
        first = run(failing, config, state, T0, clock)
    [failed] = first.failed
    assert (failed.channel, failed.result, failed.alert_key) == ("slack", "retry", KEY)
    assert failed.next_attempt_at == clock.now + timedelta(seconds=120)  # Retry-After wins
    assert "alert delivery to slack failed (attempt 1): Slack answered HTTP 429" in caplog.text
    assert slack.messages == []
    # the channel's failure is a failing check of its own, alerted through the other channel
    surfaced = delivery(first, "slack")
    assert (surfaced.status, surfaced.severity) == (Status.FAIL, Severity.HIGH)
    assert "1 waiting for a retry" in surfaced.message and "429" in surfaced.message
    assert [m["Subject"] for m in smtp.messages] == [
        "Roundtrip [HIGH] FAIL crm_record_count · hubspot.contacts",
        "Roundtrip [HIGH] FAIL alert_delivery · slack",
    ]

    clock.advance(seconds=60)  # before Retry-After: not attempted again
    second = run(failing, config, state, T0, clock)
    assert second.attempts == [] and len(slack.requests) == 1

    clock.advance(seconds=61)
    third = run(failing, config, state, T0, clock)
    assert [(a.channel, a.result) for a in third.attempts] == [
        ("slack", "delivered"),
        ("email", "delivered"),
    ]
    assert titles(slack) == ["[HIGH] FAIL crm_record_count · hubspot.contacts"]
    assert delivery(third, "slack").passing
    assert smtp.messages[-1]["Subject"] == "Roundtrip [RESOLVED] alert_delivery · slack"
    assert third.ok


def test_archived_slack_channel_is_dead_rerouted_and_never_retried(
    tmp_path: Path,
    state: sqlite3.Connection,
    slack: SlackWebhook,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = alerts_config(tmp_path, slack=slack)
    clock = WallClock()
    slack.archive()

    with caplog.at_level(logging.ERROR, logger="monitor.alerts"):
        report = run([result(Status.FAIL, Severity.HIGH, T0)], config, state, T0, clock)
    [dead] = report.failed
    assert (dead.channel, dead.result, dead.rerouted_to) == ("slack", "dead", config.ticket.file)
    assert "Slack answered HTTP 410 channel_is_archived" in dead.error
    assert "alert delivery to slack is dead, not retried" in caplog.text
    # nothing lost: the notification is in the ticket file, and the dead channel is alerted
    rerouted, surfaced = tickets(config)
    assert rerouted["alert_key"] == KEY and rerouted["undelivered"]["channel"] == "slack"
    assert surfaced["title"] == "[HIGH] FAIL alert_delivery · slack"
    assert "1 dead" in surfaced["message"]
    assert not report.ok

    clock.advance(days=1)
    later = run([result(Status.FAIL, Severity.HIGH, T0)], config, state, T0, clock)
    assert later.attempts == [] and len(slack.requests) == 1
    assert not delivery(later, "slack").passing


def test_pagerduty_outage_keeps_trigger_before_resolve(
    tmp_path: Path, state: sqlite3.Connection, pagerduty: PagerDutyEvents
) -> None:
    config = alerts_config(tmp_path, pagerduty=pagerduty)
    clock = WallClock()
    pagerduty.fail_next(Reply.json(503, {"status": "unavailable"}))
    first = run([result(Status.FAIL, Severity.CRITICAL, T0)], config, state, T0, clock)
    assert [(a.channel, a.result) for a in first.failed] == [("pagerduty", "retry")]
    assert first.failed[0].next_attempt_at == clock.now + timedelta(minutes=1)

    clock.advance(minutes=2)
    at = T0 + timedelta(minutes=5)
    second = run([result(Status.PASS, None, at)], config, state, at, clock)
    assert [(a.kind, a.result) for a in second.attempts if a.channel == "pagerduty"] == [
        ("open", "delivered"),
        ("resolve", "delivered"),
    ]
    assert [e["event_action"] for e in pagerduty.events] == ["trigger", "resolve"]
    assert pagerduty.incidents == {KEY: "resolved"}


def test_smtp_down_queues_email_until_it_is_back(
    tmp_path: Path, state: sqlite3.Connection, smtp: SmtpServer
) -> None:
    config = alerts_config(tmp_path, smtp=smtp)
    clock = WallClock()
    smtp.stop()
    report = run([result(Status.FAIL, Severity.MEDIUM, T0)], config, state, T0, clock)
    assert [(a.channel, a.result) for a in report.failed] == [("email", "retry")]
    # email is the only configured channel: its own failure goes to the ticket file
    assert [t["title"] for t in tickets(config)] == ["[HIGH] FAIL alert_delivery · email"]

    smtp.start()
    clock.advance(seconds=30)  # backoff (1 min) not over yet
    assert run([], config, state, T0, clock).attempts == []
    clock.advance(seconds=31)
    later = run([], config, state, T0, clock)
    assert [(a.channel, a.kind, a.result) for a in later.attempts] == [
        ("email", "open", "delivered"),
        ("ticket", "resolve", "delivered"),  # alert_delivery/email recovered
    ]
    assert (
        smtp.messages[0]["Subject"] == "Roundtrip [MEDIUM] FAIL crm_record_count · hubspot.contacts"
    )
    assert tickets(config)[-1]["title"] == "[RESOLVED] alert_delivery · email"


def test_a_delivery_failing_too_long_is_given_up_and_rerouted(
    tmp_path: Path, state: sqlite3.Connection, slack: SlackWebhook
) -> None:
    config = alerts_config(tmp_path, slack=slack, retry={"first": "1m", "give_up_after": "10m"})
    clock = WallClock()
    slack.fail_next(*[Reply(500, "rollup_error")] * 3)
    run([result(Status.FAIL, Severity.HIGH, T0)], config, state, T0, clock)
    clock.advance(minutes=5)
    assert run([], config, state, T0, clock).failed[0].result == "retry"
    clock.advance(minutes=6)
    [dead] = run([], config, state, T0, clock).failed
    assert dead.result == "dead" and dead.attempts == 3
    assert dead.error.startswith("gave up after 3 attempts: Slack answered HTTP 500")
    [rerouted] = [t for t in tickets(config) if "undelivered" in t]
    assert (rerouted["alert_key"], rerouted["undelivered"]["channel"]) == (KEY, "slack")


def test_nothing_configured_sends_every_severity_to_the_ticket_file(
    tmp_path: Path, state: sqlite3.Connection
) -> None:
    config = alerts_config(tmp_path)
    results = [
        result(Status.FAIL, severity, T0, subject=f"s{severity.value}") for severity in Severity
    ]
    report = run(results, config, state, T0)
    assert len(report.opened) == 4 and report.ok
    assert sorted(t["severity"] for t in tickets(config)) == ["critical", "high", "low", "medium"]
    assert [a.severity for a in open_alerts(state)] == sorted(Severity, reverse=True)


def test_no_secret_reaches_logs_state_tickets_or_reports(
    tmp_path: Path,
    state: sqlite3.Connection,
    slack: SlackWebhook,
    pagerduty: PagerDutyEvents,
    smtp: SmtpServer,
    ticket_hook: TicketWebhook,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = alerts_config(
        tmp_path,
        slack=slack,
        pagerduty=pagerduty,
        smtp=smtp,
        ticket_hook=ticket_hook,
        routes={"high": ["slack", "email", "pagerduty", "ticket"]},
    )
    clock = WallClock()
    slack.fail_next(SlackWebhook.rate_limited(1), Reply(410, "channel_is_archived"))
    pagerduty.fail_next(Reply.json(500, {"status": "error"}))
    ticket_hook.fail_next(Reply.json(503, {"error": "down"}))
    smtp.fail_next("451 4.3.0 try later")
    reports = []
    with caplog.at_level(logging.DEBUG):
        for step in range(3):
            reports.append(run([result(Status.FAIL, Severity.HIGH, T0)], config, state, T0, clock))
            clock.advance(minutes=5 * (step + 1))
        reports.append(run([result(Status.PASS, None, T0)], config, state, T0, clock))
    assert any(a.result == "dead" for r in reports for a in r.attempts)
    assert any(a.result == "delivered" for r in reports for a in r.attempts)

    secrets = {
        "xoxTESTsecretWEBHOOKtoken0001",  # the Slack webhook URL's token
        pagerduty.routing_key,
        SMTP_PASSWORD,
        "tkTESTsecretTICKETtoken42",  # the ticket webhook URL's token
    }
    dump = "\n".join(
        str(row)
        for (table,) in state.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        for row in state.execute(f'SELECT * FROM "{table}"')
    )
    places = {
        "logs": caplog.text,
        "state": dump,
        "ticket file": config.ticket.file.read_text() if config.ticket.file.exists() else "",
        "reports": repr(reports),
        "config": repr(config),
    }
    assert "HTTP Request: POST" in caplog.text  # httpx logged the requests, redacted
    for place, text in places.items():
        for secret in secrets:
            assert secret not in text, f"a secret leaked into the {place}"


def test_alert_state_mirrors_into_the_warehouse_monitor_schema(
    tmp_path: Path, state: sqlite3.Connection
) -> None:
    config = alerts_config(tmp_path)
    run([result(Status.FAIL, Severity.LOW, T0)], config, state, T0)
    with duckdb.connect() as duck:
        tables = mirror_state(duck, tmp_path / "state" / "monitor.sqlite", "monitor")
        assert {"alerts", "alert_deliveries"} <= set(tables)
        opened, notified = duck.execute(
            "SELECT opened_at, typeof(opened_at) FROM monitor.alerts"
        ).fetchone()
        assert opened == T0 and notified == "TIMESTAMP WITH TIME ZONE"
        assert duck.execute("SELECT state FROM monitor.alert_deliveries").fetchall() == [
            ("delivered",)
        ]


@pytest.mark.slow
def test_roundtrip_health_alerts_slack_once_without_leaking_the_webhook(
    transformed_project: Project, slack: SlackWebhook
) -> None:
    project = transformed_project
    project.roundtrip("sandbox", "advance", "--days", "3")  # no load since: sources go stale
    env = {"ALERTS__SLACK__WEBHOOK_URL": slack.url}
    first = project.roundtrip("health", check=False, **env)
    assert first.returncode == 2, first.stderr  # High failures
    assert slack.messages and all(t.startswith("[HIGH] FAIL") for t in titles(slack))
    sent = len(slack.messages)

    second = project.roundtrip("health", check=False, **env)
    assert second.returncode == 2
    assert len(slack.messages) == sent  # still open: not sent again
    for output in (first.stdout, first.stderr, second.stdout, second.stderr):
        assert "xoxTESTsecretWEBHOOKtoken0001" not in output
