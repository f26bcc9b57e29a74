"""Slack incoming webhook: POST a JSON message (`text` fallback + Block Kit `blocks`).

Slack answers 200 with the body `ok`; errors carry a short code in the body: 400
invalid_payload / invalid_blocks, 403 action_prohibited, 404 channel_not_found / no_service,
410 channel_is_archived, 429 rate limited (Retry-After), 500 rollup_error.
"""

from __future__ import annotations

from typing import Any

import httpx

from monitor.alerts.delivery import Delivery, post_json
from monitor.alerts.notification import Notification
from monitor.alerts.secrets import Secret

# Block Kit limits
_HEADER_MAX = 150
_SECTION_MAX = 3000
_FIELD_MAX = 2000
_MAX_FIELDS = 10

_EMOJI = {
    "critical": ":rotating_light:",
    "high": ":red_circle:",
    "medium": ":large_orange_diamond:",
}


def _escape(text: str) -> str:
    """Slack mrkdwn control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def message(note: Notification) -> dict[str, Any]:
    """The webhook body for a notification."""
    emoji = (
        ":white_check_mark:" if note.resolved else _EMOJI.get(note.severity, ":large_blue_circle:")
    )
    body = note.message or ("The check passes again." if note.resolved else note.title)
    fields = [
        {"type": "mrkdwn", "text": _cut(f"*{label}*\n{_escape(value)}", _FIELD_MAX)}
        for label, value in note.facts()[:_MAX_FIELDS]
    ]
    return {
        "text": _cut(f"{emoji} {note.summary}", _SECTION_MAX),
        "blocks": [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": _cut(note.title, _HEADER_MAX),
                    "emoji": True,
                },
            },
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _cut(_escape(body), _SECTION_MAX)},
            },
            {"type": "section", "fields": fields},
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": _escape(f"Roundtrip alert {note.alert_key}")}
                ],
            },
        ],
    }


class SlackChannel:
    """Posts each notification to a Slack incoming webhook."""

    def __init__(self, webhook_url: Secret, client: httpx.Client) -> None:
        self.webhook_url = webhook_url
        self.client = client

    def send(self, note: Notification) -> Delivery:
        url = self.webhook_url.reveal()
        outcome, response = post_json(self.client, url, message(note), "Slack", {200})
        if outcome.delivered and response is not None and response.text.strip() != "ok":
            return Delivery.dead(f"Slack answered 200 without 'ok': {response.text[:200]}")
        return outcome
