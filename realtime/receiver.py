"""The webhook receiver: HTTP endpoints that verify a delivery, commit it to the inbox and only
then answer 2xx. A refused delivery changes nothing but the `refusals` count.

| endpoint | from | verified by | answers |
|---|---|---|---|
| `POST /webhooks/hubspot` | HubSpot's Webhooks API (a JSON array of events) | v3 signature (signatures.py) | 200 once durable; 401 bad/stale signature; 400 malformed; 413 too large |
| `POST /forms/{form_id}` | the company's website (JSON or form-encoded) | shared-secret HMAC | 202 once durable; 401; 404 unknown form; 413; 422 bad e-mail; 429 per-IP limit; 202 honeypot (dropped, counted) |
| `GET /healthz` | load balancers, tests | — | 200 with inbox counts |

HubSpot does not retry 400, 401, 403, 404 or 405 and retries everything else, so a delivery we
could not commit answers 503 and HubSpot sends it again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from realtime.activities import email_match_key, normalized_email
from realtime.flows import FlowsConfig
from realtime.inbox import Event, Inbox
from realtime.signatures import ReceiverSecrets, SignatureError, verify_form, verify_hubspot

log = logging.getLogger("roundtrip.receiver")

MAX_WEBHOOK_BYTES = 1_000_000
MAX_FORM_BYTES = 16_384
MAX_FORM_FIELD_CHARS = 1_000
HUBSPOT_EVENT_KEYS = ("eventId", "subscriptionType", "objectId", "occurredAt")
UNAVAILABLE = JSONResponse({"status": "unavailable", "reason": "the inbox could not commit"}, 503)


class IpRateLimit:
    """A token bucket per client address: `rate` posts per second, bursts of `burst`."""

    def __init__(self, rate: float = 5.0, burst: int = 20) -> None:
        self.rate = rate
        self.burst = burst
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def allow(self, ip: str) -> float:
        """0 when the post may go ahead, else the seconds to wait."""
        now = time.monotonic()
        with self.lock:
            tokens, last = self.buckets.get(ip, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1:
                self.buckets[ip] = (tokens - 1, now)
                return 0.0
            self.buckets[ip] = (tokens, now)
            return (1 - tokens) / self.rate


class GroupCommitter:
    """Commits the deliveries of concurrent requests together: one fsynced transaction answers
    many requests (at ~3 ms per fsync, one transaction per request would cap the receiver at a
    few hundred per second). Refusals are counted the same way, so a flood of forged requests
    does not cost a disk flush apiece. All SQLite work runs on one thread, off the event loop."""

    def __init__(self, inbox_path: Path) -> None:
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbox")
        self.inbox: Inbox | None = None
        self.inbox_path = inbox_path
        self.deliveries: list[tuple[list[Event], asyncio.Future[tuple[int, int]]]] = []
        self.refusals: list[tuple[tuple[str, str, int], asyncio.Future[None]]] = []
        self.flushing = False

    def _open(self) -> Inbox:
        if self.inbox is None:
            self.inbox = Inbox(self.inbox_path)
        return self.inbox

    def _commit(
        self, deliveries: list[list[Event]], refusals: list[tuple[str, str, int]]
    ) -> list[tuple[int, int]]:
        return self._open().record(deliveries, refusals)

    async def accept(self, events: list[Event]) -> tuple[int, int]:
        future: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()
        self.deliveries.append((events, future))
        self._kick()
        return await future

    async def refuse(self, source: str, reason: str, http_status: int) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.refusals.append(((source, reason, http_status), future))
        self._kick()
        await future

    async def counts(self) -> dict[str, int]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, lambda: self._open().counts())

    def _kick(self) -> None:
        if not self.flushing:
            self.flushing = True
            asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.deliveries or self.refusals:
                deliveries, self.deliveries = self.deliveries, []
                refusals, self.refusals = self.refusals, []
                try:
                    counts = await loop.run_in_executor(
                        self.executor, self._commit, [events for events, _ in deliveries],
                        [refusal for refusal, _ in refusals],
                    )  # fmt: skip
                except Exception as exc:  # the requests answer 503; the vendor sends again
                    log.exception("inbox commit failed")
                    for future in [f for _, f in deliveries] + [f for _, f in refusals]:
                        future.set_exception(exc)
                    continue
                for (_, future), result in zip(deliveries, counts, strict=True):
                    future.set_result(result)
                for _, done in refusals:
                    done.set_result(None)
        finally:
            self.flushing = False


class Refused(Exception):
    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers or {}


def _millis(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value) / 1000, UTC)


def hubspot_events(body: bytes) -> list[Event]:
    """The events of a HubSpot delivery; Refused(400) when it is not HubSpot's shape."""
    try:
        items = json.loads(body)
    except ValueError:
        raise Refused(400, "body is not JSON") from None
    if not isinstance(items, list) or not items:
        raise Refused(400, "body is not a non-empty JSON array of events")
    events = []
    for item in items:
        if not isinstance(item, dict) or any(item.get(k) is None for k in HUBSPOT_EVENT_KEYS):
            raise Refused(400, f"an event lacks one of {', '.join(HUBSPOT_EVENT_KEYS)}")
        kind = str(item["subscriptionType"])
        object_type = kind.split(".", 1)[0]
        try:
            occurred = _millis(item["occurredAt"])
        except (TypeError, ValueError, OverflowError):
            raise Refused(400, f"event {item['eventId']}: occurredAt is not epoch ms") from None
        events.append(
            Event("hubspot", str(item["eventId"]), kind,
                  f"hubspot:{object_type}:{item['objectId']}", item, occurred)
        )  # fmt: skip
    return events


def form_fields(body: bytes, content_type: str) -> dict[str, str]:
    """A form post's fields (JSON object or application/x-www-form-urlencoded)."""
    if content_type.startswith("application/json"):
        try:
            data = json.loads(body)
        except ValueError:
            raise Refused(400, "body is not JSON") from None
        if not isinstance(data, dict):
            raise Refused(400, "body must be a JSON object of form fields")
    elif content_type.startswith("application/x-www-form-urlencoded"):
        try:
            data = dict(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=False))
        except UnicodeDecodeError:
            raise Refused(400, "body is not UTF-8") from None
    else:
        raise Refused(415, "send application/json or application/x-www-form-urlencoded")
    fields = {}
    for key, value in data.items():
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise Refused(400, f"field {key!r} is not a single value")
        text = "" if value is None else str(value)
        if len(text) > MAX_FORM_FIELD_CHARS:
            raise Refused(413, f"field {key!r} is longer than {MAX_FORM_FIELD_CHARS} characters")
        fields[str(key)] = text.strip()
    return fields


def create_app(
    inbox_path: Path,
    secrets: ReceiverSecrets,
    flows: FlowsConfig,
    *,
    public_url: str | None = None,
    on_accept: Callable[[], None] = lambda: None,
    rate_limit: IpRateLimit | None = None,
) -> Starlette:
    """The receiver app. `public_url`: the base URL the vendors call (behind a reverse proxy the
    URL HubSpot signed is not the one this process sees); `on_accept` wakes the worker."""
    limiter = rate_limit or IpRateLimit()
    committer = GroupCommitter(inbox_path)

    async def refuse(source: str, exc: Refused) -> Response:
        try:
            await committer.refuse(source, exc.reason, exc.status)
        except Exception:
            return UNAVAILABLE
        log.info("refused %s delivery: %s (%d)", source, exc.reason, exc.status)
        if exc.status == 200:  # a bot is told nothing
            return JSONResponse({"status": "accepted"}, 202)
        return JSONResponse({"status": "refused", "reason": exc.reason}, exc.status, exc.headers)

    async def body_of(request: Request, limit: int) -> bytes:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise Refused(413, f"body over {limit} bytes")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise Refused(413, f"body over {limit} bytes")
        return body

    def signed_url(request: Request) -> str:
        if not public_url:
            return str(request.url)
        query = f"?{request.url.query}" if request.url.query else ""
        return public_url.rstrip("/") + request.url.path + query

    async def hubspot_webhook(request: Request) -> Response:
        try:
            if not secrets.hubspot_app_secret:
                raise Refused(503, "HubSpot webhooks are not configured (no app secret)")
            body = await body_of(request, MAX_WEBHOOK_BYTES)
            try:
                verify_hubspot(secrets.hubspot_app_secret, request.method, signed_url(request),
                               body, dict(request.headers))  # fmt: skip
            except SignatureError as exc:
                raise Refused(401, f"signature: {exc}") from None
            events = hubspot_events(body)
        except Refused as exc:
            return await refuse("hubspot", exc)
        try:
            new, known = await committer.accept(events)
        except Exception:
            return UNAVAILABLE
        if new:
            on_accept()
        return JSONResponse({"accepted": new, "duplicates": known})

    async def form_post(request: Request) -> Response:
        form_id = request.path_params["form_id"]
        try:
            ip = request.client.host if request.client else "unknown"
            wait = limiter.allow(ip)
            if wait:
                raise Refused(429, "too many posts from this address",
                              {"Retry-After": str(max(1, round(wait)))})  # fmt: skip
            if not secrets.form_secret:
                raise Refused(503, "website forms are not configured (no form secret)")
            body = await body_of(request, MAX_FORM_BYTES)
            try:
                verify_form(secrets.form_secret, body, dict(request.headers))
            except SignatureError as exc:
                raise Refused(401, f"signature: {exc}") from None
            if form_id not in flows.forms:
                raise Refused(404, f"unknown form {form_id!r}")
            fields = form_fields(body, request.headers.get("content-type", ""))
            if flows.honeypot and fields.get(flows.honeypot):
                raise Refused(200, f"honeypot field {flows.honeypot!r} filled")
            key = email_match_key(fields.get("email"))
            if key is None:
                raise Refused(
                    422, f"field 'email' is not an e-mail address: {fields.get('email', '')[:80]!r}"
                )
        except Refused as exc:
            return await refuse("website", exc)
        timestamp = request.headers.get("x-roundtrip-timestamp", "")
        event_id = (
            fields.pop("submission_id", "")
            or hashlib.sha256(
                form_id.encode() + b"\0" + timestamp.encode() + b"\0" + body
            ).hexdigest()[:32]
        )
        submitted = _submitted_at(fields.pop("submitted_at", ""))
        fields["email"] = normalized_email(fields["email"]) or fields["email"]
        payload = {"form_id": form_id, "form_name": flows.forms[form_id], "fields": fields}
        event = Event("website", event_id, "form.submission", f"email:{key}", payload, submitted)
        try:
            new, _ = await committer.accept([event])
        except Exception:
            return UNAVAILABLE
        if new:
            on_accept()
        return JSONResponse({"status": "accepted", "event_id": event_id}, 202)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok", "events": await committer.counts()})

    return Starlette(
        routes=[
            Route("/webhooks/hubspot", hubspot_webhook, methods=["POST"]),
            Route("/forms/{form_id}", form_post, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def _submitted_at(text: str) -> datetime:
    """When the person submitted (the site's `submitted_at`, ISO or epoch ms), else now."""
    now = datetime.now(UTC)
    if not text:
        return now
    try:
        moment = _millis(text) if text.isdigit() else datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        return now
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return min(moment, now)  # a clock ahead of ours must not make latency negative
