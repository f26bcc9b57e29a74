"""The stand-ins' shared framework: context, fault injection, auth gate and fast JSON.

A vendor module exposes `create_app(ctx: VendorContext) -> Starlette` and builds it with
`build_app(ctx, policy, endpoints)`:

    class MetaPolicy(VendorPolicy):            # how this vendor says no (override what differs)
        default_limit = (200, 3600.0)          # rate-limit window shown in headers (N, seconds)
        daily_limit = 100_000
        def token(self, request): ...          # where the token is (default: Authorization Bearer)
        def unauthorized(self, state): ...     # TokenState.EXPIRED | INVALID → the vendor's 401
        def rate_limited(self, retry_after, usage): ...  # burst_429 / rate_limit → vendor's 429
        def server_error(self): ...            # error_rate and unhandled exceptions → 5xx
        def error(self, status, message): ...  # 400/404/405… in the vendor's error shape
        def headers(self, usage): ...          # added to EVERY response (rate-limit headers)

    def create_app(ctx):
        async def insights(request):
            rows = ctx.db.execute("SELECT … WHERE date >= ?", [since]).fetchall()
            return ctx.page({"data": [ctx.faults.drift(r) for r in …], "paging": …})
        return build_app(ctx, MetaPolicy(), [
            Endpoint("/{version}/act_{account_id}/insights", insights),
            Endpoint("/oauth/token", token_endpoint, ("POST",), public=True),
        ])

Every non-public endpoint passes the gate, in this order: faults.json re-read if changed →
latency_ms → token check (`policy.token` + `ctx.auth`) → burst_429 → rate_limit → error_rate →
the handler. Public endpoints (OAuth token endpoints) get latency only. A handler aborts with
`raise VendorError(policy.error(400, "…"))`; an unexpected exception is logged to server.log and
answered with `policy.server_error()`.

`VendorContext` gives: `vendor`, `db` (the one shared DuckDB connection to world.duckdb; handlers
are `async def` and call it synchronously, which serialises access), `now` (world clock, naive
UTC datetime — use it for modified timestamps of writes), `credentials` (all of
credentials.json) and `vendor_credentials`, `base_url` (this server's own address, for absolute
paging links), `auth` (sandbox.server.auth.TokenAuthority), `faults` (FaultState: `.settings`,
`.drift(record)`, `.usage()`), `issue_token()` (honours token_ttl), `page(data)` (a JSON list
page; answers malformed JSON when `malformed_page` says so) and `json(data)`.
Helpers: `json_response`, `read_json_body`, `read_form`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import duckdb
import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.faults import Faults, read_faults
from sandbox.server.auth import TokenAuthority, TokenState, bearer
from sandbox.state import SandboxPaths

log = logging.getLogger("sandbox.server")
JSON = "application/json"
Handler = Callable[[Request], Awaitable[Response]]


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON response rendered with orjson (datetimes as ISO 8601, non-str keys allowed)."""
    body = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    return Response(body, status_code=status, headers=headers, media_type=JSON)


class VendorError(Exception):
    """Raised by a handler to answer with `response` (a vendor-shaped error) right away."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


@dataclass(frozen=True)
class Usage:
    """Request accounting shown in rate-limit headers."""

    limit: int  # requests allowed per window
    remaining: int  # left in the current window
    interval_s: float  # window length
    daily_used: int  # requests since the faults were (re)loaded
    daily_limit: int


class VendorPolicy:
    """How a vendor authenticates and refuses requests; subclasses override what differs."""

    default_limit: tuple[int, float] = (100, 10.0)
    daily_limit: int = 250_000
    # the `regain_seconds` fault, for vendors that report their own regain estimate (Meta)
    regain_seconds: int | None = None

    def token(self, request: Request) -> str | None:
        return bearer(request.headers.get("authorization"))

    def unauthorized(self, state: TokenState) -> Response:
        return json_response({"error": "unauthorized", "state": state.value}, 401)

    def rate_limited(self, retry_after: int | None, usage: Usage) -> Response:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return json_response({"error": "rate limited"}, 429, headers)

    def server_error(self) -> Response:
        return json_response({"error": "internal error"}, 500)

    def error(self, status: int, message: str) -> Response:
        return json_response({"error": message}, status)

    def headers(self, usage: Usage) -> dict[str, str]:
        return {}


class FaultState:
    """One vendor's fault settings and counters; counters restart whenever faults.json changes."""

    def __init__(self, paths: SandboxPaths, vendor: str, policy: VendorPolicy) -> None:
        self._paths = paths
        self._vendor = vendor
        self._policy = policy
        self._stamp: tuple[int, int] | None = None
        self.settings = Faults()
        self._reset()

    def _reset(self) -> None:
        self._rng = random.Random(self.settings.seed)
        self._burst_left = self.settings.burst_429
        self._pages = 0
        self._window_start = time.monotonic()
        self._window_count = 0
        self._daily = 0

    def refresh(self) -> Faults:
        """Re-read faults.json if it changed since the last request (and restart the counters)."""
        try:
            st = os.stat(self._paths.faults_json)
            stamp: tuple[int, int] | None = (st.st_ino, st.st_mtime_ns)
        except FileNotFoundError:
            stamp = None
        if stamp != self._stamp:
            self._stamp = stamp
            self.settings = read_faults(self._paths, self._vendor)
            self._policy.regain_seconds = self.settings.regain_seconds
            self._reset()
        return self.settings

    def _window(self) -> tuple[int, float]:
        return self.settings.rate_window or self._policy.default_limit

    def admit(self) -> Response | None:
        """Count one request; the vendor's refusal if a fault says so, else None."""
        limit, interval = self._window()
        now = time.monotonic()
        if now - self._window_start >= interval:
            self._window_start, self._window_count = now, 0
        self._window_count += 1
        self._daily += 1
        if self._burst_left > 0:
            self._burst_left -= 1
            return self._policy.rate_limited(self.settings.retry_after, self.usage())
        if self.settings.rate_limit is not None and self._window_count > limit:
            wait = math.ceil(interval - (now - self._window_start))
            return self._policy.rate_limited(max(wait, 1), self.usage())
        if self.settings.error_rate and self._rng.random() < self.settings.error_rate:
            refusal = self._policy.server_error()
            if self.settings.error_retry_after is not None:
                refusal.headers["Retry-After"] = str(self.settings.error_retry_after)
            return refusal
        return None

    def usage(self) -> Usage:
        limit, interval = self._window()
        daily_limit = limit if self.settings.rate_limit else self._policy.daily_limit
        return Usage(
            limit=limit,
            # not enforced unless the rate_limit fault is set: never advertise exhaustion then
            remaining=max(limit - self._window_count, 0) if self.settings.rate_limit else limit,
            interval_s=interval,
            daily_used=self._daily,
            daily_limit=daily_limit,
        )

    def next_page_malformed(self) -> bool:
        """Count one list page; True exactly for the `malformed_page`-th one."""
        self._pages += 1
        return self._pages == self.settings.malformed_page

    def drift(self, record: dict[str, Any]) -> dict[str, Any]:
        """Apply schema drift (new_field, retype_field) to one rendered record, in place."""
        if self.settings.new_field:
            record[self.settings.new_field] = "sandbox_drift"
        name = self.settings.retype_field
        if name and name in record:
            record[name] = retype(record[name])
        return record


def retype(value: Any) -> Any:
    """The same value as another JSON type: numeric strings → numbers, numbers → strings."""
    if value is None:
        return None
    if isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return {"value": value}
        return int(number) if number.is_integer() else number
    return str(value)


def world_now(db: duckdb.DuckDBPyConnection) -> datetime:
    """The world clock (world_meta 'now') as a naive UTC datetime, like the world's TIMESTAMPs."""
    row = db.execute("SELECT value FROM world_meta WHERE key = 'now'").fetchone()
    if row is None:
        raise RuntimeError("world.duckdb has no world_meta 'now': regenerate the sandbox")
    moment = datetime.fromisoformat(row[0])
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


@dataclass
class VendorContext:
    """Everything a vendor's handlers need; one per vendor server."""

    vendor: str
    paths: SandboxPaths
    db: duckdb.DuckDBPyConnection
    base_url: str
    credentials: dict[str, Any]
    auth: TokenAuthority
    now: datetime
    faults: FaultState = field(init=False)
    # called after the vendor's API changed records: (object type, [(id, {property: value})], created)
    on_write: Callable[[str, list[tuple[int, dict[str, Any]]], bool], None] | None = None

    @property
    def vendor_credentials(self) -> dict[str, Any]:
        return self.credentials.get(self.vendor, {})

    def issue_token(self) -> tuple[str, int]:
        """A new access token (and its lifetime) honouring the token_ttl fault."""
        return self.auth.issue(self.vendor, self.faults.settings.token_ttl)

    def json(
        self, data: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> Response:
        return json_response(data, status, headers)

    def page(self, data: Any, headers: Mapping[str, str] | None = None) -> Response:
        """A list page; cut in half (malformed JSON) when it is the `malformed_page`-th page."""
        body = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
        if self.faults.next_page_malformed():
            body = body[: len(body) // 2]
        return Response(body, headers=headers, media_type=JSON)


@dataclass(frozen=True)
class Endpoint:
    """A route: `public` endpoints (OAuth token endpoints) skip the token check and faults."""

    path: str
    handler: Handler
    methods: Sequence[str] = ("GET",)
    public: bool = False


def build_app(ctx: VendorContext, policy: VendorPolicy, endpoints: Sequence[Endpoint]) -> Starlette:
    """The vendor's ASGI app: every endpoint behind the gate described in the module docstring."""
    ctx.faults = FaultState(ctx.paths, ctx.vendor, policy)

    def finish(response: Response) -> Response:
        response.headers.update(policy.headers(ctx.faults.usage()))
        return response

    def guard(endpoint: Endpoint) -> Handler:
        async def guarded(request: Request) -> Response:
            settings = ctx.faults.refresh()
            if settings.latency_ms:
                await asyncio.sleep(settings.latency_ms / 1000)
            try:
                refusal = None
                if not endpoint.public:
                    state = ctx.auth.check(ctx.vendor, policy.token(request))
                    refusal = (
                        policy.unauthorized(state)
                        if state is not TokenState.VALID
                        else ctx.faults.admit()
                    )
                response = refusal or await endpoint.handler(request)
            except VendorError as exc:
                response = exc.response
            except Exception:
                log.exception("%s: %s %s failed", ctx.vendor, request.method, request.url.path)
                response = policy.server_error()
            return finish(response)

        return guarded

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return finish(policy.error(exc.status_code, str(exc.detail)))

    routes = [Route(e.path, guard(e), methods=list(e.methods)) for e in endpoints]
    return Starlette(routes=routes, exception_handlers={404: http_error, 405: http_error})


async def read_json_body(request: Request, policy: VendorPolicy) -> Any:
    """The request's JSON body, or a VendorError with the vendor's 400."""
    try:
        return orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise VendorError(policy.error(400, f"Invalid JSON input: {exc}")) from None


async def read_form(request: Request) -> dict[str, str]:
    """An `application/x-www-form-urlencoded` body (OAuth token requests) plus query params."""
    form = dict(request.query_params)
    form.update(parse_qsl((await request.body()).decode("utf-8", "replace")))
    return form
