"""Each alert channel against a local receiver speaking the vendor's protocol over loopback."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trustme

from monitor.alerts.channels import open_channels
from monitor.alerts.config import AlertsConfig
from monitor.alerts.delivery import Delivery
from monitor.alerts.notification import Kind, Notification
from monitor.results import CheckResult, Severity, Status
from tests.monitor.receivers import (
    SMTP_PASSWORD,
    PagerDutyEvents,
    Reply,
    SlackWebhook,
    SmtpServer,
    TicketWebhook,
    alerts_config,
)

T0 = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)


def note(
    kind: Kind = "open",
    severity: Severity = Severity.HIGH,
    message: str = "37 rows, expected 1,204",
) -> Notification:
    result = CheckResult(
        check="crm_record_count",
        subject="hubspot.contacts",
        system="hubspot",
        status=Status.PASS if kind == "resolve" else Status.FAIL,
        severity=None if kind == "resolve" else severity,
        value=37.0,
        threshold="< 50% of expected 1,204 (floor 100)",
        message=message,
        observed_at=T0,
        owner="data-eng",
    )
    return Notification.from_result(result, kind, severity, T0)


def send(config: AlertsConfig, channel: str, notification: Notification) -> Delivery:
    with open_channels(config) as channels:
        return channels[channel].send(notification)


# ------------------------------------------------------------------------------------ Slack


def test_slack_message_passes_the_webhook_and_block_kit_limits(
    tmp_path: Path, slack: SlackWebhook
) -> None:
    config = alerts_config(tmp_path, slack=slack)
    long_message = "<script>&" + "x" * 5000  # over Slack's 3,000-character section limit
    assert send(config, "slack", note(message=long_message)).delivered
    [message] = slack.messages
    assert message["text"].startswith(":red_circle: [HIGH] FAIL crm_record_count")
    header, body, facts, context = message["blocks"]
    assert header["text"]["text"] == "[HIGH] FAIL crm_record_count · hubspot.contacts"
    assert body["text"]["text"].startswith("&lt;script&gt;&amp;xxx")
    assert len(body["text"]["text"]) <= 3000
    assert {"type": "mrkdwn", "text": "*Owner*\ndata-eng"} in facts["fields"]
    assert "roundtrip/crm_record_count/hubspot.contacts" in context["elements"][0]["text"]


def test_slack_resolved_message(tmp_path: Path, slack: SlackWebhook) -> None:
    assert send(alerts_config(tmp_path, slack=slack), "slack", note("resolve")).delivered
    assert slack.messages[0]["blocks"][0]["text"]["text"] == (
        "[RESOLVED] crm_record_count · hubspot.contacts"
    )


@pytest.mark.parametrize(
    ("reply", "permanent", "retry_after"),
    [
        (SlackWebhook.rate_limited(30), False, 30.0),
        (Reply(500, "rollup_error"), False, None),
        (Reply(410, "channel_is_archived"), True, None),
        (Reply(404, "no_service"), True, None),
        (Reply(403, "action_prohibited"), True, None),
        (Reply(400, "invalid_payload"), True, None),
    ],
)
def test_slack_errors_are_retried_or_dead(
    tmp_path: Path, slack: SlackWebhook, reply: Reply, permanent: bool, retry_after: float | None
) -> None:
    slack.fail_next(reply)
    outcome = send(alerts_config(tmp_path, slack=slack), "slack", note())
    assert not outcome.delivered
    assert outcome.permanent is permanent
    assert outcome.retry_after == retry_after
    assert f"HTTP {reply.status} {reply.body}" in outcome.error
    assert "xoxTESTsecret" not in outcome.error


# -------------------------------------------------------------------------------- PagerDuty


def test_pagerduty_trigger_then_resolve_with_a_stable_dedup_key(
    tmp_path: Path, pagerduty: PagerDutyEvents
) -> None:
    config = alerts_config(tmp_path, pagerduty=pagerduty)
    assert send(config, "pagerduty", note(severity=Severity.CRITICAL)).delivered
    trigger = pagerduty.events[0]
    assert trigger["event_action"] == "trigger"
    assert trigger["dedup_key"] == "roundtrip/crm_record_count/hubspot.contacts"
    payload = trigger["payload"]
    assert payload["severity"] == "critical"
    assert payload["source"] == "roundtrip-test"
    assert (payload["component"], payload["group"], payload["class"]) == (
        "hubspot.contacts",
        "hubspot",
        "crm_record_count",
    )
    assert payload["timestamp"] == T0.isoformat()
    assert payload["custom_details"]["owner"] == "data-eng"
    assert pagerduty.incidents == {trigger["dedup_key"]: "triggered"}

    assert send(config, "pagerduty", note("resolve", Severity.CRITICAL)).delivered
    assert pagerduty.events[1] == {
        "routing_key": pagerduty.routing_key,
        "dedup_key": trigger["dedup_key"],
        "event_action": "resolve",
    }
    assert pagerduty.incidents == {trigger["dedup_key"]: "resolved"}


def test_pagerduty_severity_mapping(tmp_path: Path, pagerduty: PagerDutyEvents) -> None:
    config = alerts_config(tmp_path, pagerduty=pagerduty)
    for severity in Severity:
        assert send(config, "pagerduty", note(severity=severity)).delivered
    assert [e["payload"]["severity"] for e in pagerduty.events] == [
        "info",
        "warning",
        "error",
        "critical",
    ]


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [
        (
            Reply.json(
                429,
                {
                    "status": "throttle event",
                    "message": "Requests for this service are arriving too quickly.",
                },
            ),
            False,
        ),
        (Reply.json(503, {"status": "unavailable"}), False),
        (
            Reply.json(400, {"status": "invalid event", "errors": ["'routing_key' is invalid"]}),
            True,
        ),
    ],
)
def test_pagerduty_errors_are_retried_or_dead(
    tmp_path: Path, pagerduty: PagerDutyEvents, reply: Reply, permanent: bool
) -> None:
    pagerduty.fail_next(reply)
    outcome = send(alerts_config(tmp_path, pagerduty=pagerduty), "pagerduty", note())
    assert (outcome.delivered, outcome.permanent) == (False, permanent)
    assert f"PagerDuty answered HTTP {reply.status}" in outcome.error


def test_pagerduty_unreachable_is_retried(tmp_path: Path) -> None:
    with PagerDutyEvents() as receiver:
        config = alerts_config(tmp_path, pagerduty=receiver)
    outcome = send(config, "pagerduty", note())  # the receiver is gone: connection refused
    assert (outcome.delivered, outcome.permanent) == (False, False)
    assert outcome.error.startswith("PagerDuty: ConnectError")


# ------------------------------------------------------------------------------------ email


def test_email_over_starttls_with_login_is_a_threaded_mime_message(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    config = alerts_config(tmp_path, smtp=smtp)
    assert send(config, "email", note()).delivered
    assert send(config, "email", note("resolve")).delivered
    opened, resolved = smtp.messages
    assert smtp.envelopes[0] == ("roundtrip@roundtrip.test", ["data-team@roundtrip.test"])
    assert opened["Subject"] == "Roundtrip [HIGH] FAIL crm_record_count · hubspot.contacts"
    assert opened["X-Roundtrip-Alert-Key"] == "roundtrip/crm_record_count/hubspot.contacts"
    assert opened.get_content_type() == "multipart/alternative"
    text = opened.get_body(("plain",)).get_content()
    html = opened.get_body(("html",)).get_content()
    assert "37 rows, expected 1,204" in text and "Threshold:" in text
    assert "<th align='left'>Owner</th><td>data-eng</td>" in html
    assert resolved["Subject"] == "Roundtrip [RESOLVED] crm_record_count · hubspot.contacts"
    assert resolved["In-Reply-To"] == opened["Message-ID"] == resolved["References"]


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [("451 4.3.0 Mailbox temporarily unavailable", False), ("554 5.7.1 Rejected", True)],
)
def test_email_smtp_replies_are_retried_or_dead(
    tmp_path: Path, smtp: SmtpServer, reply: str, permanent: bool
) -> None:
    smtp.fail_next(reply)
    outcome = send(alerts_config(tmp_path, smtp=smtp), "email", note())
    assert (outcome.delivered, outcome.permanent) == (False, permanent)
    assert reply in outcome.error


def test_email_wrong_password_is_dead_and_not_echoed(tmp_path: Path, smtp: SmtpServer) -> None:
    outcome = send(
        alerts_config(tmp_path, smtp=smtp, smtp_password="wrong-pass-123"), "email", note()
    )
    assert (outcome.delivered, outcome.permanent) == (False, True)
    assert outcome.error.startswith(f"SMTP 127.0.0.1:{smtp.port} answered 535")
    assert "wrong-pass-123" not in outcome.error and SMTP_PASSWORD not in outcome.error


def test_email_server_down_is_retried(tmp_path: Path, smtp: SmtpServer) -> None:
    smtp.stop()
    outcome = send(alerts_config(tmp_path, smtp=smtp), "email", note())
    assert (outcome.delivered, outcome.permanent) == (False, False)
    assert "ConnectionRefusedError" in outcome.error


def test_email_untrusted_certificate_is_dead(tmp_path: Path, smtp: SmtpServer) -> None:
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    config = alerts_config(tmp_path, smtp=smtp)
    config = replace(config, email=replace(config.email, ca_file=other_ca))
    outcome = send(config, "email", note())
    assert (outcome.delivered, outcome.permanent) == (False, True)
    assert "TLS certificate not trusted" in outcome.error
    assert smtp.messages == []


# ----------------------------------------------------------------------------------- ticket


def test_ticket_file_appends_one_json_line_per_notification(tmp_path: Path) -> None:
    config = alerts_config(tmp_path)
    assert config.ticket.file == tmp_path / "state" / "alert_tickets.jsonl"
    assert send(config, "ticket", note(severity=Severity.LOW)).delivered
    assert send(config, "ticket", note("resolve", Severity.LOW)).delivered
    opened, closed = (json.loads(line) for line in config.ticket.file.read_text().splitlines())
    assert (opened["action"], closed["action"]) == ("open", "close")
    assert opened["ticket_id"] == closed["ticket_id"]
    assert opened["severity"] == "low" and opened["value"] == 37.0


def test_ticket_webhook_receives_the_ticket(tmp_path: Path, ticket_hook: TicketWebhook) -> None:
    config = alerts_config(tmp_path, ticket_hook=ticket_hook)
    assert send(config, "ticket", note(severity=Severity.LOW)).delivered
    assert ticket_hook.tickets[0]["title"] == "[LOW] FAIL crm_record_count · hubspot.contacts"
    assert not config.ticket.file.exists()
    ticket_hook.fail_next(Reply.json(502, {"error": "bad gateway"}))
    outcome = send(config, "ticket", note(severity=Severity.LOW))
    assert (outcome.delivered, outcome.permanent) == (False, False)
    assert "tkTESTsecret" not in outcome.error
