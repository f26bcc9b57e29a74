"""The HTTP transport every vendor client uses: rate limits, retries, auth refresh, errors.

One `request()` call may send several HTTP requests: it waits for the account's shared limiters,
retries 429s and vendor-specific throttling after the vendor's hint (Retry-After, usage headers)
or exponential backoff, retries 5xx/timeouts/dropped connections with exponential backoff and
full jitter within a budget (count and seconds), and replays after refreshing the token on a
401 (a token refused straight after its refresh is final). Waits the vendor asks for (rate limits) follow the vendor's own window and draw on their own
budget, kept per transport (one run of one system): no single wait longer than
`max_retry_seconds`, at most `max_rate_limit_seconds` in all, so a burst of 429s rides on the
vendor's reset instead of exhausting the budget meant for errors. Everything else becomes a `VendorError` subclass whose message names the request (method,
path, redacted query) and what the vendor said.
"""

from __future__ import annotations

import functools
import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from connectors.http.deprecation import VersionSignal
from connectors.http.errors import (
    AuthenticationFailed,
    BadRequest,
    PermissionDenied,
    QuotaExhausted,
    RateLimited,
    VendorError,
    VendorUnavailable,
    VersionRefused,
)
from connectors.http.policy import ErrorInfo, VendorPolicy
from connectors.http.ratelimit import Limiter, shared_limiter
from connectors.http.redaction import REDACTOR, Redactor, get_logger
from connectors.http.status import Disposition

if TYPE_CHECKING:
    from connectors.http.auth import Auth

_MAX_DESCRIBED_VALUE = 120
# Rate-limit waits at least this long are logged at INFO (shorter ones at DEBUG).
NOTICEABLE_WAIT_SECONDS = 1.0


def ssl_verify(verify: bool | str | Path) -> bool | ssl.SSLContext:
    """httpx's `verify`: False, or a context trusting the default CAs (True) or the CA bundle at
    a path. Contexts are shared (one per bundle and its version on disk): building one loads the
    bundle, ~0.1 s, which every client and token refresher of a load used to pay again."""
    if verify is False:
        return False
    if verify is True:
        return _default_context()
    path = Path(verify)
    return _bundle_context(str(path), path.stat().st_mtime_ns)


@functools.cache
def _default_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()  # what httpx builds for verify=True (SSL_CERT_FILE, certifi)


@functools.cache
def _bundle_context(path: str, _mtime_ns: int) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=path)


@dataclass
class RequestStats:
    """Counters for the load summary; safe to share between threads and transports."""

    requests: int = 0
    retries: int = 0
    refreshes: int = 0
    throttle_waits: int = 0
    throttle_seconds: float = 0.0
    failed_requests: int = 0
    bytes_received: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **deltas: float) -> None:
        with self._lock:
            for name, delta in deltas.items():
                setattr(self, name, getattr(self, name) + delta)

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}


# A caller's own tally (e.g. one load resource's) that requests sent in this context also count in.
_charged_to: ContextVar[RequestStats | None] = ContextVar("charged_to", default=None)


@contextmanager
def charged_to(tally: RequestStats) -> Iterator[None]:
    """Also count, in `tally`, every request sent in this context (this thread, this block),
    whichever transport sends it."""
    token = _charged_to.set(tally)
    try:
        yield
    finally:
        _charged_to.reset(token)


@dataclass(frozen=True)
class RetryEvent:
    """Passed to `on_retry` before each wait: which request, why, how long."""

    vendor: str
    request: str
    attempt: int
    reason: str
    delay: float


class Transport:
    """A thin layer on `httpx.Client` for one vendor account (see module docstring)."""

    def __init__(
        self,
        vendor_policy: VendorPolicy,
        auth: Auth,
        base_url: str,
        *,
        account: str = "default",
        max_retries: int = 8,
        max_retry_seconds: float = 300,
        max_rate_limit_seconds: float = 1800,
        max_rate_limit_retries: int = 50,
        timeout: float = 30,
        verify: bool | str | Path = True,
        stats: RequestStats | None = None,
        on_retry: Callable[[RetryEvent], None] | None = None,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        headers: dict[str, str] | None = None,
        redactor: Redactor = REDACTOR,
    ) -> None:
        self.policy = vendor_policy
        self.vendor = vendor_policy.name
        self.auth = auth
        self.account = account
        self.max_retries = max_retries
        self.max_retry_seconds = max_retry_seconds
        self.max_rate_limit_seconds = max_rate_limit_seconds
        self.max_rate_limit_retries = max_rate_limit_retries
        self._rate_limited_seconds = 0.0  # waited on the vendor's say-so by this transport
        self._budget_lock = threading.Lock()
        self.stats = stats if stats is not None else RequestStats()
        self.on_retry = on_retry
        # called with (request, raw body) when a 2xx body is not JSON, before it is re-requested,
        # so the caller can quarantine the malformed page
        self.on_malformed: Callable[[str, str], None] | None = None
        # the API version this account's requests speak, the one to move to when the vendor
        # refuses it (set by the client from connectors/api_versions.yml), and who hears what
        # the vendor says about its lifecycle (the load records it)
        self.api_version = ""
        self.upgrade_to = ""
        self.on_version_signal: Callable[[VersionSignal], None] | None = None
        self._signals_seen: set[tuple[str, str]] = set()
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.redactor = redactor
        self.log = get_logger(self.vendor)
        self._client = httpx.Client(
            base_url=base_url,
            timeout=timeout,
            verify=ssl_verify(verify),
            headers=headers,
        )

    @property
    def base_url(self) -> str:
        return str(self._client.base_url)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def limiter(self, name: str) -> Limiter:
        """This account's shared limiter `name` (configured from the policy's limits)."""
        return shared_limiter(self.vendor, self.account, name, self.policy.limits.get(name))

    def describe(self, method: str, url: httpx.URL) -> str:
        """ "METHOD /path?query" with secret values masked and long values shortened."""
        query = "&".join(
            f"{k}={v if len(v) <= _MAX_DESCRIBED_VALUE else v[:_MAX_DESCRIBED_VALUE] + '…'}"
            for k, v in url.params.multi_items()
        )
        return self.redactor.scrub(f"{method} {url.path}" + (f"?{query}" if query else ""))

    def get_json(self, path_or_url: str, **kwargs: Any) -> Any:
        return self._send("GET", path_or_url, kwargs, parse_json=True)[1]

    def post_json(self, path_or_url: str, json: Any, **kwargs: Any) -> Any:
        return self._send("POST", path_or_url, {**kwargs, "json": json}, parse_json=True)[1]

    def patch_json(self, path_or_url: str, json: Any, **kwargs: Any) -> Any:
        return self._send("PATCH", path_or_url, {**kwargs, "json": json}, parse_json=True)[1]

    def request(self, method: str, path_or_url: str, **kwargs: Any) -> httpx.Response:
        """Send with limits, retries and one token refresh; return a 2xx/3xx response."""
        return self._send(method, path_or_url, kwargs, parse_json=False)[0]

    def _send(
        self, method: str, path_or_url: str, kwargs: dict[str, Any], *, parse_json: bool
    ) -> tuple[httpx.Response, Any]:
        """The retry loop. With `parse_json`, a 2xx body that is not JSON (a page cut short)
        counts as a transient failure and is retried like a 5xx."""
        method = method.upper()
        started = time.monotonic()
        attempt = 0  # retries after errors so far
        throttled = 0  # retries after rate limiting so far
        refreshed = False
        while True:
            request = self._client.build_request(method, path_or_url, **kwargs)
            described = self.describe(method, request.url)
            self._throttle(request.url.path, method)
            generation = self.auth.apply(request)
            sent = time.monotonic()
            response: httpx.Response | None = None
            try:
                response = self._client.send(request)
            except httpx.TransportError as exc:
                self._log_attempt(method, request.url, type(exc).__name__, sent)
                disposition, info = Disposition.UNAVAILABLE, ErrorInfo(type(exc).__name__)
            else:
                self._log_attempt(method, request.url, response.status_code, sent)
                self._count(bytes_received=len(response.content))
                self.policy.adapt(response, self.limiter)
                info = ErrorInfo() if response.is_success else self.policy.parse_error(response)
                disposition = self.policy.classify(response.status_code, info)
                self._hear_versions(response, info)
            self._count(requests=1)
            status = response.status_code if response is not None else None
            if disposition is Disposition.OK and response is not None:
                if not parse_json:
                    return response, None
                try:
                    return response, orjson.loads(response.content)
                except orjson.JSONDecodeError:
                    if self.on_malformed is not None:
                        self.on_malformed(described, response.text)
                    disposition = Disposition.UNAVAILABLE
                    info = ErrorInfo("the response body is not valid JSON", "MALFORMED_JSON")
            if disposition is Disposition.AUTH and not refreshed and self.auth.refresh(generation):
                refreshed = True
                self._count(refreshes=1)
                self.log.info(
                    "%s: %s got HTTP %s; token refreshed, replaying", self.vendor, described, status
                )
                continue
            # a token refused straight after its refresh is a real failure; one that expired during
            # a long retry (it got a 5xx or 429 first) may be refreshed again
            refreshed = refreshed and disposition is Disposition.AUTH
            if not disposition.retryable:
                self._count(failed_requests=1)
                raise self._error(disposition, described, status, info)
            hint = self.policy.retry_after(response) if response is not None else None
            elapsed = time.monotonic() - started
            if disposition is Disposition.RATE_LIMITED:
                delay = hint if hint is not None else self._backoff(min(throttled, 16))
                if not self._draw_rate_limit_wait(delay, throttled):
                    self._count(failed_requests=1)
                    raise self._gave_up(
                        disposition, described, status, info, attempt + throttled, elapsed, delay
                    )
                throttled += 1
            else:
                delay = hint if hint is not None else self._backoff(attempt)
                if attempt >= self.max_retries or elapsed + delay > self.max_retry_seconds:
                    self._count(failed_requests=1)
                    raise self._gave_up(
                        disposition, described, status, info, attempt + throttled, elapsed, delay
                    )
                attempt += 1
            self._wait_before_retry(
                disposition, described, status, info, attempt + throttled, delay
            )

    def _draw_rate_limit_wait(self, delay: float, throttled: int) -> bool:
        """Take `delay` from the rate-limit budget; False when it does not fit (one wait longer
        than max_retry_seconds, the transport's total past max_rate_limit_seconds, or too many
        rate-limited retries of one request)."""
        if delay > self.max_retry_seconds or throttled >= self.max_rate_limit_retries:
            return False
        with self._budget_lock:
            if self._rate_limited_seconds + delay > self.max_rate_limit_seconds:
                return False
            self._rate_limited_seconds += delay
        return True

    def _count(self, **deltas: float) -> None:
        """Add to this transport's counters and to the tally the current context charges."""
        self.stats.add(**deltas)
        tally = _charged_to.get()
        if tally is not None and tally is not self.stats:
            tally.add(**deltas)

    def _hear_versions(self, response: httpx.Response, info: ErrorInfo) -> None:
        """Pass on (once per kind and wording) what the vendor says about the version."""
        for signal in self.policy.version_signals(response, info):
            if (signal.kind, signal.detail) in self._signals_seen:
                continue
            self._signals_seen.add((signal.kind, signal.detail))
            if signal.kind != "refused":  # a refusal is the request's error, said once there
                self.log.warning(
                    "%s: API version %s %s (%s)",
                    self.vendor,
                    self.api_version or "(unknown)",
                    signal.kind.replace("_", " "),
                    self.redactor.scrub(signal.detail),
                )
            if self.on_version_signal is not None:
                self.on_version_signal(signal)

    def _throttle(self, path: str, method: str) -> None:
        for name in self.policy.limit_names(method, path):
            waited = self.limiter(name).acquire()
            if waited > 0:
                self._count(throttle_waits=1, throttle_seconds=waited)
                # pacing under a limit waits a little before most requests: say so only when
                # the pause is long enough to notice
                level = logging.INFO if waited >= NOTICEABLE_WAIT_SECONDS else logging.DEBUG
                self.log.log(
                    level, "%s: waited %.2f s for the %r rate limit", self.vendor, waited, name
                )

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter: uniform(0, min(cap, base * 2**attempt))."""
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))

    def _wait_before_retry(
        self,
        disposition: Disposition,
        described: str,
        status: int | None,
        info: ErrorInfo,
        attempt: int,
        delay: float,
    ) -> None:
        reason = f"HTTP {status}" if status is not None else info.message
        if info.code:
            reason += f" {info.code}"
        self._count(retries=1)
        self.log.info(
            "%s: %s %s (%s); retry %d in %.2f s",
            self.vendor,
            described,
            disposition.value,
            reason,
            attempt,
            delay,
        )
        if self.on_retry is not None:
            self.on_retry(RetryEvent(self.vendor, described, attempt, reason, delay))
        if disposition is Disposition.RATE_LIMITED:
            # Pause the whole account: every transport sharing it waits, not just this one.
            self.limiter("default").pause(delay)
        else:
            time.sleep(delay)

    def _log_attempt(self, method: str, url: httpx.URL, result: object, sent: float) -> None:
        if self.log.isEnabledFor(logging.DEBUG):
            ms = (time.monotonic() - sent) * 1000
            self.log.debug("%s %s %s %.0fms", method, self.redactor.scrub(str(url)), result, ms)

    def _error(
        self, disposition: Disposition, described: str, status: int | None, info: ErrorInfo
    ) -> VendorError:
        message = self.redactor.scrub(info.message)
        if status is not None and self.policy.version_refused(status, info):
            target = f"move to {self.upgrade_to}" if self.upgrade_to else "move to a newer one"
            detail = (
                f"API version {self.api_version or '(unknown)'} is retired or unknown to "
                f"{self.vendor}: {target} (`speaks:` in connectors/api_versions.yml)"
            )
            return VersionRefused(self.vendor, described, status, message, detail=detail)
        if disposition is Disposition.PERMISSION:
            missing = tuple(self.redactor.scrub(m) for m in info.missing) or (
                (info.code,) if info.code else ()
            )
            return PermissionDenied(self.vendor, described, status, message, missing=missing)
        if disposition is Disposition.AUTH:
            return AuthenticationFailed(self.vendor, described, status, message)
        if disposition is Disposition.QUOTA:
            return QuotaExhausted(self.vendor, described, status, message)
        detail = "the URL is too long: request fewer fields" if status == 414 else ""
        return BadRequest(self.vendor, described, status, message, detail=detail)

    def _gave_up(
        self,
        disposition: Disposition,
        described: str,
        status: int | None,
        info: ErrorInfo,
        retries: int,
        elapsed: float,
        delay: float,
    ) -> VendorUnavailable:
        last = f"HTTP {status}" if status is not None else info.message
        budget = (
            f"max_retry_seconds={self.max_retry_seconds:g} for one wait / "
            f"max_rate_limit_seconds={self.max_rate_limit_seconds:g} in all "
            f"({self._rate_limited_seconds:.1f} s waited) / "
            f"max_rate_limit_retries={self.max_rate_limit_retries}"
            if disposition is Disposition.RATE_LIMITED
            else f"max_retries={self.max_retries} / max_retry_seconds={self.max_retry_seconds:g}"
        )
        detail = (
            f"gave up after {retries + 1} attempts in {elapsed:.1f} s (last: {last}; next wait "
            f"{delay:.1f} s would exceed {budget})"
        )
        error = RateLimited if disposition is Disposition.RATE_LIMITED else VendorUnavailable
        return error(
            self.vendor, described, status, self.redactor.scrub(info.message), detail=detail
        )
