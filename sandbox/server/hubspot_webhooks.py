"""HubSpot's Webhooks API, the vendor side: the app's target URL, and signed deliveries of
contact events to it with HubSpot's retry policy.

- `PUT|GET /webhooks/v3/{appId}/settings` (developer API key in `hapikey`): the target URL;
  `POST|GET /webhooks/v3/{appId}/subscriptions`: contact.creation, contact.deletion and
  contact.propertyChange of a named property. API writes of contacts (batch update, upsert)
  are delivered as those events (`changeSource: INTEGRATION`) when subscribed.
- Deliveries: a JSON array of at most 100 events per POST (eventId, subscriptionId, portalId,
  appId, occurredAt in epoch ms, subscriptionType, attemptNumber, objectId, propertyName,
  propertyValue, changeSource), signed with the app's client secret: `X-HubSpot-Signature-v3`
  (base64 HMAC-SHA256 of method + URI + body + timestamp) with `X-HubSpot-Request-Timestamp`,
  plus the legacy `X-HubSpot-Signature` (v1: hex SHA-256 of secret + body) and
  `X-HubSpot-Signature-Version: v1`, as HubSpot sends both
  (https://developers.hubspot.com/docs/api/webhooks, "Security" and "Retries").
- Retries: HubSpot retries a failed delivery up to 10 times, spread over about a day, and never
  after 400, 401, 403, 404 or 405; a 429 is retried after its Retry-After; a request has 5 s to
  be answered. Here: 1 min doubling (1, 2, 4 … 512 min, about 17 h in all, with jitter), scaled
  by the environment variable ROUNDTRIP_SANDBOX_WEBHOOK_RETRY_SCALE (tests use small values).
- What `sandbox advance` changed while the servers were down (sandbox/generator/webhook_backlog.py)
  is delivered, as subscribed, when the stand-in starts.
- `POST /_sandbox/activity` (sandbox only, not HubSpot's): people click marketing e-mails or
  submit HubSpot forms now; the world records the click or submission and the matching
  `contact.propertyChange` events are delivered.

Every delivery attempt is appended to `webhook_deliveries.jsonl` in the sandbox folder (what
tests and benchmarks judge the receiver by).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import logging
import os
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response

from sandbox.server.common import Endpoint, VendorContext, VendorError, json_response, world_now

log = logging.getLogger("sandbox.hubspot.webhooks")

MAX_EVENTS_PER_REQUEST = 100
MAX_RETRIES = 10
FIRST_RETRY_SECONDS = 60.0
TIMEOUT_SECONDS = 5.0
NO_RETRY = frozenset({400, 401, 403, 404, 405})
PORTAL_ID = 1
ACTIVITY_PROPERTIES = {
    "email.click": ("hs_email_last_click_date", "EMAIL"),
    "form.submission": ("recent_conversion_event_name", "FORM"),
}


def _retry_scale() -> float:
    return float(os.environ.get("ROUNDTRIP_SANDBOX_WEBHOOK_RETRY_SCALE", "1"))


def sign(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> dict[str, str]:
    """The signature headers HubSpot sends with a delivery."""
    v3 = hmac.new(secret.encode(), method.encode() + uri.encode() + body + timestamp.encode(),
                  hashlib.sha256).digest()  # fmt: skip
    return {
        "X-HubSpot-Signature-v3": base64.b64encode(v3).decode(),
        "X-HubSpot-Request-Timestamp": timestamp,
        "X-HubSpot-Signature": hashlib.sha256(secret.encode() + body).hexdigest(),
        "X-HubSpot-Signature-Version": "v1",
    }


@dataclass
class Delivery:
    events: list[dict[str, Any]]
    attempt: int = 0
    due: float = field(default_factory=time.monotonic)


class Dispatcher:
    """Queues contact events and delivers them to the app's target URL, retrying HubSpot's way."""

    def __init__(self, ctx: VendorContext) -> None:
        self.ctx = ctx
        self.settings_file = ctx.paths.root / "hubspot_webhooks.json"
        self.log_file = ctx.paths.root / "webhook_deliveries.jsonl"
        self.pending: list[dict[str, Any]] = []
        self.retries: list[Delivery] = []
        self.ids = itertools.count(int(time.time() * 1000) * 1000)
        self.task: asyncio.Task[None] | None = None
        self.wake = asyncio.Event()
        self.deliver_backlog()

    def deliver_backlog(self) -> None:
        """Queue what `sandbox advance` changed while the servers were down (as subscribed)."""
        backlog = self.ctx.paths.webhook_backlog
        if not backlog.exists():
            return
        lines = backlog.read_text().splitlines()
        backlog.unlink()
        events = []
        for line in lines:
            change = json.loads(line)
            kind, prop = change["subscriptionType"], change.get("propertyName")
            if self.target() and self.subscribed(kind, prop):
                events.append(self.event(kind, change["objectId"], change["occurredAt"], prop,
                                         change.get("propertyValue"), source="CRM_UI"))  # fmt: skip
        if events:
            self.enqueue(events)

    @property
    def app_id(self) -> str:
        return str(self.ctx.vendor_credentials.get("app_id", ""))

    def settings(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.settings_file.read_text()))
        except (FileNotFoundError, ValueError):
            return {}

    def save(self, settings: dict[str, Any]) -> None:
        self.settings_file.write_text(json.dumps(settings))

    def target(self) -> str | None:
        return self.settings().get("targetUrl")

    def subscription(self, event_type: str, prop: str | None = None) -> int | None:
        """The id of the active subscription to the event (and property), if any."""
        return next((
            int(s["id"]) for s in self.settings().get("subscriptions", [])
            if s.get("active", True) and s.get("eventType") == event_type
            and (prop is None or s.get("propertyName") == prop)
        ), None)  # fmt: skip

    def subscribed(self, event_type: str, prop: str | None = None) -> bool:
        return self.subscription(event_type, prop) is not None

    def written(
        self, object_type: str, items: list[tuple[int, dict[str, Any]]], created: bool
    ) -> None:
        """Contact events for an API write (changeSource INTEGRATION), as subscribed."""
        if object_type != "contacts" or not self.target():
            return
        now_ms = int(time.time() * 1000)
        events = []
        for record_id, values in items:
            if created and self.subscribed("contact.creation"):
                events.append(self.event("contact.creation", record_id, now_ms))
            events += [
                self.event("contact.propertyChange", record_id, now_ms, prop, value)
                for prop, value in values.items()
                if self.subscribed("contact.propertyChange", prop)
            ]
        if events:
            self.enqueue(events)

    def event(
        self,
        subscription_type: str,
        object_id: int,
        occurred_ms: int,
        prop: str | None = None,
        value: Any = None,
        source: str = "INTEGRATION",
    ) -> dict[str, Any]:
        event = {
            "eventId": next(self.ids),
            "subscriptionId": self.subscription(subscription_type, prop) or 0,
            "portalId": PORTAL_ID,
            "appId": int(self.app_id or 0), "occurredAt": occurred_ms,
            "subscriptionType": subscription_type, "attemptNumber": 0,
            "objectId": object_id, "changeSource": source,
        }  # fmt: skip
        if prop is not None:
            event.update(propertyName=prop, propertyValue=value)
        return event

    def activity(self, kind: str, object_id: int, occurred_ms: int, value: str) -> dict[str, Any]:
        prop, source = ACTIVITY_PROPERTIES[kind]
        return self.event("contact.propertyChange", object_id, occurred_ms, prop, value, source)

    def enqueue(self, events: list[dict[str, Any]]) -> None:
        self.pending.extend(events)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.run())
        self.wake.set()

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
            while self.pending or self.retries:
                now = time.monotonic()
                due = [d for d in self.retries if d.due <= now]
                self.retries = [d for d in self.retries if d.due > now]
                while self.pending:
                    batch, self.pending = (self.pending[:MAX_EVENTS_PER_REQUEST],
                                           self.pending[MAX_EVENTS_PER_REQUEST:])  # fmt: skip
                    due.append(Delivery(batch))
                if due:
                    await asyncio.gather(*(self.deliver(client, d) for d in due))
                    continue
                self.wake.clear()
                wait = min(d.due for d in self.retries) - time.monotonic()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), max(wait, 0.01))

    async def deliver(self, client: httpx.AsyncClient, delivery: Delivery) -> None:
        target = self.target()
        status: int | None = None
        retry_after: float | None = None
        if target:
            events = [{**e, "attemptNumber": delivery.attempt} for e in delivery.events]
            body = json.dumps(events, separators=(",", ":")).encode()
            stamp = str(int(time.time() * 1000))
            secret = str(self.ctx.vendor_credentials.get("client_secret", ""))
            headers = {"Content-Type": "application/json",
                       **sign(secret, "POST", target, body, stamp)}  # fmt: skip
            try:
                response = await client.post(target, content=body, headers=headers)
                status = response.status_code
                if status == 429 and response.headers.get("Retry-After", "").isdigit():
                    retry_after = float(response.headers["Retry-After"])
            except httpx.HTTPError:
                status = None
        self.record(delivery, target, status)
        if status is not None and (200 <= status < 300 or status in NO_RETRY):
            return
        if delivery.attempt >= MAX_RETRIES:
            return
        delay = (
            retry_after
            if retry_after is not None
            else (FIRST_RETRY_SECONDS * 2**delivery.attempt * random.uniform(0.8, 1.2))
        )
        delivery.attempt += 1
        delivery.due = time.monotonic() + delay * _retry_scale()
        self.retries.append(delivery)

    def record(self, delivery: Delivery, target: str | None, status: int | None) -> None:
        line = {"at": time.time(), "events": len(delivery.events), "attempt": delivery.attempt,
                "status": status, "target": target,
                "event_ids": [e["eventId"] for e in delivery.events]}  # fmt: skip
        with self.log_file.open("a") as out:
            out.write(json.dumps(line) + "\n")


def endpoints(ctx: VendorContext, dispatcher: Dispatcher) -> list[Endpoint]:
    def check_key(request: Request) -> None:
        expected = str(ctx.vendor_credentials.get("developer_api_key", ""))
        given = request.query_params.get("hapikey", "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            raise VendorError(json_response(
                {"status": "error", "message": "The API key provided is invalid.",
                 "category": "INVALID_AUTHENTICATION", "correlationId": str(uuid.uuid4())}, 401,
            ))  # fmt: skip
        if request.path_params["appId"] != dispatcher.app_id:
            raise VendorError(json_response(
                {"status": "error", "message": f"App {request.path_params['appId']} not found",
                 "category": "OBJECT_NOT_FOUND", "correlationId": str(uuid.uuid4())}, 404,
            ))  # fmt: skip

    async def settings(request: Request) -> Response:
        check_key(request)
        if request.method == "PUT":
            body = json.loads(await request.body() or b"{}")
            target = body.get("targetUrl") if isinstance(body, dict) else None
            if not isinstance(target, str) or not target.startswith(("http://", "https://")):
                raise VendorError(json_response(
                    {"status": "error", "message": "targetUrl must be an absolute URL",
                     "category": "VALIDATION_ERROR", "correlationId": str(uuid.uuid4())}, 400,
                ))  # fmt: skip
            dispatcher.save({**dispatcher.settings(), **body})
        current = dispatcher.settings()
        current.pop("subscriptions", None)
        return json_response(current)

    async def subscriptions(request: Request) -> Response:
        """`POST /webhooks/v3/{appId}/subscriptions` ({eventType, propertyName, active}) and
        `GET` (their list); subscribing twice to the same event and property is a no-op."""
        check_key(request)
        settings = dispatcher.settings()
        current = settings.get("subscriptions", [])
        if request.method == "GET":
            return json_response({"results": current})
        body = json.loads(await request.body() or b"{}")
        event_type = body.get("eventType") if isinstance(body, dict) else None
        if event_type not in ("contact.creation", "contact.deletion", "contact.propertyChange"):
            raise VendorError(json_response(
                {"status": "error", "message": f"Unsupported eventType {event_type!r}",
                 "category": "VALIDATION_ERROR", "correlationId": str(uuid.uuid4())}, 400,
            ))  # fmt: skip
        if event_type == "contact.propertyChange" and not body.get("propertyName"):
            raise VendorError(json_response(
                {"status": "error", "message": "propertyName is required for propertyChange",
                 "category": "VALIDATION_ERROR", "correlationId": str(uuid.uuid4())}, 400,
            ))  # fmt: skip
        same = [s for s in current if (s.get("eventType"), s.get("propertyName"))
                == (event_type, body.get("propertyName"))]  # fmt: skip
        if same:
            return json_response(same[0])
        subscription = {"id": len(current) + 1, "eventType": event_type,
                        "propertyName": body.get("propertyName"),
                        "active": bool(body.get("active", True)),
                        "createdAt": datetime.now(UTC).isoformat()}  # fmt: skip
        dispatcher.save({**settings, "subscriptions": [*current, subscription]})
        return json_response(subscription, 201)

    async def activity(request: Request) -> Response:
        body = json.loads(await request.body() or b"{}")
        kind = body.get("kind")
        count = int(body.get("count", 1))
        if kind not in ACTIVITY_PROPERTIES or not 0 < count <= 1000:
            raise VendorError(json_response(
                {"message": f"kind must be one of {sorted(ACTIVITY_PROPERTIES)}, count 1-1000"}, 400
            ))  # fmt: skip
        people = record_activity(ctx, kind, count, int(body.get("seed", 0)))
        now_ms = int(time.time() * 1000)
        events = [dispatcher.activity(kind, p["contact_id"], now_ms, p["value"]) for p in people]
        for person, event in zip(people, events, strict=True):
            person.update(event_id=event["eventId"], occurred_ms=now_ms)
        if dispatcher.subscribed("contact.propertyChange", ACTIVITY_PROPERTIES[kind][0]):
            dispatcher.enqueue(events)
        return json_response({"results": people})

    return [
        Endpoint("/webhooks/v3/{appId}/settings", settings, ("GET", "PUT"), public=True),
        Endpoint("/webhooks/v3/{appId}/subscriptions", subscriptions, ("GET", "POST"), public=True),
        Endpoint("/_sandbox/activity", activity, ("POST",), public=True),
    ]


def record_activity(ctx: VendorContext, kind: str, count: int, seed: int) -> list[dict[str, Any]]:
    """Write `count` clicks or form submissions by existing contacts into the world (stamped
    with the world clock, so the next load reads them) and say who did what."""
    db = ctx.db
    now = world_now(db)
    rows = db.execute(
        "SELECT id, trim(email) FROM hubspot_contacts WHERE NOT archived AND email LIKE '%@%' "
        "ORDER BY hash(id + ?) LIMIT ?",
        [seed, count],
    ).fetchall()
    people = []
    if kind == "email.click":
        campaign = db.execute("SELECT min(id) FROM hubspot_email_campaigns").fetchone()[0]
        for contact_id, email in rows:
            db.execute(
                "INSERT INTO hubspot_email_events VALUES (?, 'CLICK', ?, ?, ?, ?)",
                [str(uuid.uuid4()), email, now, campaign, "https://example.com/offer"],
            )
            people.append(
                {"contact_id": contact_id, "email": email, "value": str(int(time.time() * 1000))}
            )
    else:
        forms = [
            r[0]
            for r in db.execute("SELECT guid, name FROM hubspot_forms ORDER BY guid").fetchall()
        ]
        names = dict(db.execute("SELECT guid, name FROM hubspot_forms").fetchall())
        for i, (contact_id, email) in enumerate(rows):
            guid = forms[(seed + i) % len(forms)]
            values = [{"name": "email", "value": email}]
            db.execute(
                "INSERT INTO hubspot_form_submissions VALUES (?, ?, ?, ?, ?)",
                [str(uuid.uuid4()), guid, now, "https://example.com/form", json.dumps(values)],
            )
            people.append({"contact_id": contact_id, "email": email, "value": names[guid]})
    if rows:
        db.execute(
            f"UPDATE hubspot_contacts SET updated_at = ? WHERE id IN ({', '.join('?' * len(rows))})",
            [now, *[r[0] for r in rows]],
        )
    return people
