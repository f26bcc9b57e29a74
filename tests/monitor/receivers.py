"""Local receivers speaking the real alerting protocols over loopback, for the alert tests.

- `SlackWebhook`: a Slack incoming webhook — 200 `ok`; 400 invalid_payload / invalid_blocks,
  404 no_service (unknown webhook), 410 channel_is_archived, 429 with Retry-After.
- `PagerDutyEvents`: the Events API v2 `/v2/enqueue` — validates events like PagerDuty, answers
  202 {"status": "success", …} or 400 {"status": "invalid event", "errors": […]}, and keeps each
  dedup_key's incident open/resolved.
- `TicketWebhook`: a generic JSON webhook answering 201.
- `SmtpServer`: aiosmtpd with STARTTLS required before AUTH and mail (certificate from trustme).

Each can be told to fail next (`fail_next`) to exercise retries.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import ssl
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from monitor.alerts.config import AlertsConfig, load_alerts_config


@dataclass(frozen=True)
class Reply:
    status: int
    body: str = ""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, body: dict[str, Any], **headers: str) -> Reply:
        return cls(status, json.dumps(body), "application/json", headers)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class HttpReceiver:
    """A threaded loopback HTTP server; subclasses decide the reply in `answer`."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._failures: deque[Reply] = deque()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                got = Received(self.path, dict(self.headers.items()), self.rfile.read(length))
                with receiver._lock:
                    receiver.requests.append(got)
                    reply = receiver._failures.popleft() if receiver._failures else None
                reply = reply or receiver.answer(got)
                data = reply.body.encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, request: Received) -> Reply:
        raise NotImplementedError

    def fail_next(self, *replies: Reply) -> None:
        """Answer the next requests with these replies (before the normal behaviour)."""
        with self._lock:
            self._failures.extend(replies)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------------------------------ Slack

_SLACK_BLOCK_TYPES = {"header", "section", "context", "divider", "actions", "image", "rich_text"}


def _slack_blocks_error(blocks: Any) -> str | None:
    """What Slack's Block Kit validation would reject (the limits Roundtrip must respect)."""
    if not isinstance(blocks, list) or len(blocks) > 50:
        return "invalid_blocks_format"
    for block in blocks:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind not in _SLACK_BLOCK_TYPES:
            return "invalid_blocks"
        text = block.get("text")
        if kind == "header" and (
            not text or text.get("type") != "plain_text" or len(text.get("text", "")) > 150
        ):
            return "invalid_blocks"
        if kind == "section":
            fields = block.get("fields", [])
            if not text and not fields:
                return "invalid_blocks"
            if text and len(text.get("text", "")) > 3000:
                return "invalid_blocks"
            if len(fields) > 10 or any(len(f.get("text", "")) > 2000 for f in fields):
                return "invalid_blocks"
    return None


class SlackWebhook(HttpReceiver):
    """`POST /services/T…/B…/<token>`; `archive()` makes it answer 410 for good."""

    def __init__(self, token: str = "xoxTESTsecretWEBHOOKtoken0001") -> None:
        super().__init__()
        self.path = f"/services/T00000001/B00000001/{token}"
        self.messages: list[dict[str, Any]] = []
        self.archived = False

    @property
    def url(self) -> str:
        return self.base_url + self.path

    def archive(self) -> None:
        self.archived = True

    def answer(self, request: Received) -> Reply:
        if request.path != self.path:
            return Reply(404, "no_service")
        if self.archived:
            return Reply(410, "channel_is_archived")
        if not request.headers.get("Content-Type", "").startswith("application/json"):
            return Reply(400, "invalid_payload")
        try:
            body = request.json()
        except ValueError:
            return Reply(400, "invalid_payload")
        if not isinstance(body, dict) or not (body.get("text") or body.get("blocks")):
            return Reply(400, "no_text")
        error = _slack_blocks_error(body["blocks"]) if "blocks" in body else None
        if error:
            return Reply(400, error)
        self.messages.append(body)
        return Reply(200, "ok", "text/html")

    @staticmethod
    def rate_limited(retry_after: int = 30) -> Reply:
        return Reply(429, "rate_limited", headers={"Retry-After": str(retry_after)})


# -------------------------------------------------------------------------------- PagerDuty

_PD_SEVERITIES = {"critical", "error", "warning", "info"}
_PD_ACTIONS = {"trigger", "acknowledge", "resolve"}


class PagerDutyEvents(HttpReceiver):
    """`POST /v2/enqueue` of the Events API v2; `incidents` maps dedup_key → open/resolved."""

    def __init__(self, routing_key: str = "R0UT1NGKEYsecretR0UT1NGKEY012345") -> None:
        super().__init__()
        assert len(routing_key) == 32
        self.routing_key = routing_key
        self.events: list[dict[str, Any]] = []
        self.incidents: dict[str, str] = {}

    @property
    def url(self) -> str:
        return self.base_url + "/v2/enqueue"

    @staticmethod
    def _invalid(*errors: str) -> Reply:
        return Reply.json(
            400,
            {"status": "invalid event", "message": "Event object is invalid", "errors": errors},
        )

    def _errors(self, event: Any) -> list[str]:
        if not isinstance(event, dict):
            return ["Event object is invalid"]
        errors = []
        if event.get("routing_key") != self.routing_key:
            errors.append("'routing_key' is invalid")
        if event.get("event_action") not in _PD_ACTIONS:
            errors.append("'event_action' is invalid")
        dedup = event.get("dedup_key")
        if dedup is not None and (not isinstance(dedup, str) or len(dedup) > 255):
            errors.append("'dedup_key' must be a string of at most 255 characters")
        if event.get("event_action") in ("acknowledge", "resolve") and not dedup:
            errors.append("'dedup_key' is required for acknowledge and resolve")
        if event.get("event_action") == "trigger":
            payload = event.get("payload") or {}
            for name in ("summary", "source", "severity"):
                if not payload.get(name):
                    errors.append(f"'payload.{name}' is missing or blank")
            if len(payload.get("summary", "")) > 1024:
                errors.append("'payload.summary' is longer than 1024 characters")
            if payload.get("severity") and payload["severity"] not in _PD_SEVERITIES:
                errors.append("'payload.severity' is invalid")
            if "timestamp" in payload:
                try:
                    datetime.fromisoformat(payload["timestamp"])
                except (TypeError, ValueError):
                    errors.append("'payload.timestamp' is not an ISO 8601 timestamp")
        return errors

    def answer(self, request: Received) -> Reply:
        if request.path != "/v2/enqueue":
            return Reply.json(404, {"status": "not found"})
        try:
            event = request.json()
        except ValueError:
            return self._invalid("JSON parse error")
        errors = self._errors(event)
        if errors:
            return self._invalid(*errors)
        self.events.append(event)
        key = event["dedup_key"]
        if event["event_action"] == "trigger":
            self.incidents[key] = "triggered"
        elif event["event_action"] == "resolve" and self.incidents.get(key) == "triggered":
            self.incidents[key] = "resolved"
        return Reply.json(
            202, {"status": "success", "message": "Event processed", "dedup_key": key}
        )


class TicketWebhook(HttpReceiver):
    """A generic ticketing webhook: `POST /hooks/<token>` with JSON, 201 Created."""

    def __init__(self, token: str = "tkTESTsecretTICKETtoken42") -> None:
        super().__init__()
        self.path = f"/hooks/{token}"
        self.tickets: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return self.base_url + self.path

    def answer(self, request: Received) -> Reply:
        if request.path != self.path:
            return Reply.json(404, {"error": "unknown hook"})
        self.tickets.append(request.json())
        return Reply.json(201, {"id": len(self.tickets)})


# ------------------------------------------------------------------------------------- SMTP


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        if self.server.data_failures:
            return self.server.data_failures.popleft()
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.server.messages.append(message)
        self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


class SmtpServer:
    """SMTP on loopback: STARTTLS required before AUTH and MAIL; AUTH PLAIN/LOGIN checked."""

    def __init__(self, ca_dir: Path, username: str, password: str) -> None:
        self.username, self.password = username, password
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.data_failures: deque[str] = deque()
        ca = trustme.CA()
        self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(self.tls)
        self.ca_file = ca_dir / "smtp-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        self.port = free_port()
        self.controller: Controller | None = None

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (
            data.login.decode(),
            data.password.decode(),
        ) == (self.username, self.password)
        return AuthResult(success=ok, handled=False)

    def fail_next(self, *replies: str) -> None:
        """Answer the next DATA commands with these SMTP replies, e.g. "451 4.3.0 try later"."""
        self.data_failures.extend(replies)

    def start(self) -> None:
        """Listen (again) on the same port; each start is a fresh server."""
        self.controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            tls_context=self.tls,
            require_starttls=True,
            authenticator=self._authenticate,
            auth_require_tls=True,
        )
        self.controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until `start`."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> SmtpServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------------- fixtures
# Made available to every monitor test by tests/monitor/conftest.py.

SMTP_USER = "alerts@roundtrip.test"
SMTP_PASSWORD = "smtp-PASSWORD-s3cret-value"


@pytest.fixture
def slack() -> Iterator[SlackWebhook]:
    with SlackWebhook() as receiver:
        yield receiver


@pytest.fixture
def pagerduty() -> Iterator[PagerDutyEvents]:
    with PagerDutyEvents() as receiver:
        yield receiver


@pytest.fixture
def ticket_hook() -> Iterator[TicketWebhook]:
    with TicketWebhook() as receiver:
        yield receiver


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    with SmtpServer(tmp_path, SMTP_USER, SMTP_PASSWORD) as server:
        yield server


def alerts_config(
    warehouse: Path,
    *,
    slack: SlackWebhook | None = None,
    pagerduty: PagerDutyEvents | None = None,
    smtp: SmtpServer | None = None,
    ticket_hook: TicketWebhook | None = None,
    smtp_password: str = SMTP_PASSWORD,
    **alerts: Any,
) -> AlertsConfig:
    """An `alerts:` config pointing the given channels at the local receivers (secrets passed
    through the lookup, as dlt would find them)."""
    secrets: dict[str, str] = {}
    channels: dict[str, Any] = {"slack": {"timeout": "5s"}}
    if slack is not None:
        secrets["alerts.slack.webhook_url"] = slack.url
    if pagerduty is not None:
        secrets["alerts.pagerduty.routing_key"] = pagerduty.routing_key
        channels["pagerduty"] = {"url": pagerduty.url, "source": "roundtrip-test"}
    if smtp is not None:
        secrets["alerts.email.password"] = smtp_password
        channels["email"] = {
            "host": "127.0.0.1",
            "port": smtp.port,
            "security": "starttls",
            "username": SMTP_USER,
            "from": "roundtrip@roundtrip.test",
            "to": ["data-team@roundtrip.test"],
            "ca_file": str(smtp.ca_file),
            "timeout": "5s",
        }
    if ticket_hook is not None:
        secrets["alerts.ticket.webhook_url"] = ticket_hook.url
    return load_alerts_config(
        {"channels": channels, **alerts}, warehouse_dir=warehouse, secrets=secrets.get
    )
