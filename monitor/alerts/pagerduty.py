"""PagerDuty Events API v2: `trigger` with a stable `dedup_key` (the alert key) while a check
fails, `resolve` with the same key when it passes again.

PagerDuty answers 202 {"status": "success", "dedup_key": …}; 400 is an invalid event (never
retried), 429 and 5xx are retried later. The routing key travels only in the request body.
"""

from __future__ import annotations

from typing import Any

import httpx

from monitor.alerts.delivery import Delivery, post_json
from monitor.alerts.notification import Notification
from monitor.alerts.secrets import Secret

SUMMARY_MAX = 1024
DEDUP_KEY_MAX = 255

# Roundtrip severity → PagerDuty Common Event Format severity
SEVERITIES = {"critical": "critical", "high": "error", "medium": "warning", "low": "info"}


def event(note: Notification, routing_key: str, source: str) -> dict[str, Any]:
    """The Events API v2 body for a notification."""
    base: dict[str, Any] = {
        "routing_key": routing_key,
        "dedup_key": note.alert_key[:DEDUP_KEY_MAX],
    }
    if note.resolved:
        return {**base, "event_action": "resolve"}
    return {
        **base,
        "event_action": "trigger",
        "client": "Roundtrip",
        "payload": {
            "summary": note.summary[:SUMMARY_MAX],
            "source": source,
            "severity": SEVERITIES[note.severity],
            "timestamp": note.observed_at,
            "component": note.subject,
            "group": note.system or "roundtrip",
            "class": note.check,
            "custom_details": {
                "status": note.status,
                "value": note.value,
                "threshold": note.threshold,
                "owner": note.owner,
                "open_since": note.opened_at,
                "previously": note.previous,
                "details": note.details,
            },
        },
    }


class PagerDutyChannel:
    """Sends each notification as one Events API v2 event."""

    def __init__(self, routing_key: Secret, url: str, source: str, client: httpx.Client) -> None:
        self.routing_key = routing_key
        self.url = url
        self.source = source
        self.client = client

    def send(self, note: Notification) -> Delivery:
        body = event(note, self.routing_key.reveal(), self.source)
        outcome, _ = post_json(self.client, self.url, body, "PagerDuty", {202})
        return outcome
