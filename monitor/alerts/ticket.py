"""Tickets: one JSON object per notification, appended to a JSON-lines file (the default and the
fallback: it needs no service) or POSTed to a generic webhook when `alerts.ticket.webhook_url`
is set. The ticket id is stable per incident, so a tracker can update the ticket it opened.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from monitor.alerts.delivery import Delivery, post_json
from monitor.alerts.notification import Notification
from monitor.alerts.secrets import Secret

_ACTIONS = {"open": "open", "changed": "update", "repeat": "comment", "resolve": "close"}


def ticket_id(note: Notification) -> str:
    digest = hashlib.sha256(f"{note.alert_key}\n{note.opened_at}".encode()).hexdigest()[:16]
    return f"RT-{digest}"


def record(note: Notification, undelivered: dict[str, str] | None = None) -> dict[str, Any]:
    """The ticket JSON: the notification plus the ticket id, action and title."""
    body: dict[str, Any] = {
        "ticket_id": ticket_id(note),
        "action": _ACTIONS[note.kind],
        "title": note.title,
        "written_at": datetime.now(UTC).isoformat(),
        **json.loads(note.to_json()),
    }
    if undelivered:
        body["undelivered"] = undelivered
    return body


def append_line(path: Path, body: dict[str, Any]) -> None:
    """Append one JSON line under an exclusive lock and fsync it (survives a crash)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(body, sort_keys=True, default=str) + "\n"
    with path.open("a", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


class TicketFileChannel:
    """Appends each notification as a ticket line to the JSON-lines file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, note: Notification) -> Delivery:
        try:
            append_line(self.path, record(note))
        except OSError as exc:
            return Delivery.retry(f"ticket file {self.path}: {exc.strerror or exc}")
        return Delivery.ok()


class TicketWebhookChannel:
    """POSTs each notification as a ticket to a generic webhook."""

    def __init__(self, webhook_url: Secret, client: httpx.Client) -> None:
        self.webhook_url = webhook_url
        self.client = client

    def send(self, note: Notification) -> Delivery:
        accepted = {200, 201, 202, 204}
        outcome, _ = post_json(
            self.client, self.webhook_url.reveal(), record(note), "ticket webhook", accepted
        )
        return outcome
