"""Per-vendor policies: published rate limits, error-body shapes, what counts as "rate limited".

A policy tells the transport (1) which shared limiters a request draws from, (2) what an error
response means (`classify`) and what the vendor said (`parse_error`), (3) how long the vendor asks
us to wait, and (4) how to adapt to usage headers. Sources: API_CONTRACTS.md and the vendors' docs.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import Any, ClassVar

import httpx

from connectors.ratelimit import Limiter, RateLimit
from connectors.redaction import get_logger


class Outcome(Enum):
    """What the transport does with a response."""

    OK = "ok"
    RATE_LIMITED = "rate limited"  # wait (vendor's hint, else backoff) and retry
    UNAVAILABLE = "unavailable"  # retry with backoff and jitter
    AUTH = "authentication"  # refresh once and replay, then fail
    PERMISSION = "permission"  # fail: PermissionDenied
    QUOTA = "quota"  # fail: QuotaExhausted (daily allowance, not retryable today)
    BAD_REQUEST = "bad request"  # fail: BadRequest


@dataclass(frozen=True)
class ErrorInfo:
    """What a vendor's error body says: its message, its code/category, missing scopes."""

    message: str = ""
    code: str = ""
    missing: tuple[str, ...] = ()


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _text(response: httpx.Response) -> str:
    return " ".join(response.text.split())[:300]


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


Limiters = Callable[[str], Limiter]
"""Looks up this account's shared limiter by limit name ("default", "search", …)."""


class VendorPolicy:
    """Defaults that hold for most HTTP APIs; vendors override what differs."""

    name: ClassVar[str] = "http"
    default_limits: ClassVar[Mapping[str, RateLimit | None]] = {"default": None}

    def __init__(self, limits: Mapping[str, RateLimit | None] | None = None) -> None:
        self.limits: dict[str, RateLimit | None] = {**self.default_limits, **(limits or {})}
        self.log = get_logger(self.name)

    def limit_names(self, method: str, path: str) -> tuple[str, ...]:
        """The limiters a request draws from; "default" is also the one pauses apply to."""
        return ("default",)

    def parse_error(self, response: httpx.Response) -> ErrorInfo:
        """Generic shapes: `{"message"}`, OAuth's `{"error","error_description"}`, plain text."""
        body = _body(response)
        if isinstance(body, dict):
            if isinstance(body.get("error"), str):
                return ErrorInfo(str(body.get("error_description") or body["error"]), body["error"])
            if "message" in body:
                return ErrorInfo(str(body["message"]), str(body.get("code", "")))
        return ErrorInfo(_text(response))

    def classify(self, status: int, info: ErrorInfo) -> Outcome:
        if status < 400:
            return Outcome.OK
        if status == 401:
            return Outcome.AUTH
        if status == 403:
            return Outcome.PERMISSION
        if status == 429:
            return Outcome.RATE_LIMITED
        if status == 408 or status >= 500:
            return Outcome.UNAVAILABLE
        return Outcome.BAD_REQUEST

    def retry_after(self, response: httpx.Response) -> float | None:
        """Seconds the vendor asks us to wait before retrying, if it says."""
        return parse_retry_after(response.headers.get("Retry-After"))

    def adapt(self, response: httpx.Response, limiters: Limiters) -> None:
        """Learn from usage headers (pause before the vendor starts refusing)."""


# A learned rolling window is this much longer than the advertised one.
LEARNED_WINDOW_MARGIN = 1.02


class HubSpotPolicy(VendorPolicy):
    """100 requests per rolling 10 s (Free/Starter; 190 on Pro/Enterprise: override "default"),
    search endpoints about 4 per second; the advertised limit is learned from the headers (`adapt`).
    """

    name = "hubspot"
    default_limits: ClassVar[Mapping[str, RateLimit | None]] = {
        "default": RateLimit(100, 10.0),
        "search": RateLimit(4, 1.0),
    }

    def limit_names(self, method: str, path: str) -> tuple[str, ...]:
        return ("default", "search") if path.rstrip("/").endswith("/search") else ("default",)

    def parse_error(self, response: httpx.Response) -> ErrorInfo:
        body = _body(response)
        if not isinstance(body, dict) or "message" not in body:
            return super().parse_error(response)
        code = str(body.get("category") or body.get("errorType") or "")
        policy = body.get("policyName")
        if policy:
            code = f"{code}:{policy}"
        scopes: list[str] = []
        for error in body.get("errors") or []:
            context = (error.get("context") or {}) if isinstance(error, dict) else {}
            scopes += context.get("requiredGranularScopes") or context.get("requiredScopes") or []
        return ErrorInfo(str(body["message"]), code, tuple(dict.fromkeys(scopes)))

    def classify(self, status: int, info: ErrorInfo) -> Outcome:
        if status == 429 and info.code.endswith(":DAILY"):
            return Outcome.QUOTA
        return super().classify(status, info)

    def adapt(self, response: httpx.Response, limiters: Limiters) -> None:
        """Once the headers show the account's window being used (Remaining < Max) and no limit
        is configured, pace to the advertised one; otherwise `Remaining: 0` pauses one interval
        (a configured limit may be looser than the account's, e.g. shared with other apps)."""
        headers = response.headers
        maximum = headers.get("X-HubSpot-RateLimit-Max")
        remaining = headers.get("X-HubSpot-RateLimit-Remaining")
        interval = headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
        if remaining is None or interval is None:
            return
        limiter = limiters("default")
        with contextlib.suppress(ValueError):
            seconds = float(interval) / 1000
            if maximum is not None and int(remaining) < int(maximum):
                # the vendor counts arrivals, we count starts: keep a margin for network jitter
                limit = RateLimit(int(maximum), seconds * LEARNED_WINDOW_MARGIN)
                limiter.learn(limit, used=int(maximum) - int(remaining))
            if int(remaining) == 0 and not limiter.learned:
                limiter.pause(seconds)


class SalesforcePolicy(VendorPolicy):
    """Salesforce has only a rolling 24-hour allowance (per org) and never sends 429: when it is
    used up every call gets 403 REQUEST_LIMIT_EXCEEDED. `Sforce-Limit-Info: api-usage=18/5000`
    on every response lets us warn before that happens.
    """

    name = "salesforce"
    warn_at = 0.9

    def __init__(self, limits: Mapping[str, RateLimit | None] | None = None) -> None:
        super().__init__(limits)
        self.api_usage: tuple[int, int] | None = None
        self._warned = False

    def parse_error(self, response: httpx.Response) -> ErrorInfo:
        body = _body(response)
        if isinstance(body, list) and body and isinstance(body[0], dict):
            messages = "; ".join(str(e.get("message", "")) for e in body)
            codes = [str(e.get("errorCode", "")) for e in body]
            fields = [f for e in body for f in e.get("fields") or []]
            missing = tuple(fields) if "INSUFFICIENT_ACCESS" in ",".join(codes) else ()
            return ErrorInfo(messages, ",".join(codes), missing)
        return super().parse_error(response)

    def classify(self, status: int, info: ErrorInfo) -> Outcome:
        if "REQUEST_LIMIT_EXCEEDED" in info.code:
            return Outcome.QUOTA
        if status == 414:
            return Outcome.BAD_REQUEST
        return super().classify(status, info)

    def adapt(self, response: httpx.Response, limiters: Limiters) -> None:
        match = re.search(r"api-usage=(\d+)/(\d+)", response.headers.get("Sforce-Limit-Info", ""))
        if not match:
            return
        used, allowed = int(match[1]), int(match[2])
        self.api_usage = (used, allowed)
        if allowed and used >= self.warn_at * allowed and not self._warned:
            self._warned = True
            self.log.warning("salesforce: %d of %d daily API requests used", used, allowed)


class GooglePolicy(VendorPolicy):
    """Google APIs (Ads REST, GA4 Data): `{"error":{"code","message","status","details"}}`.

    Quotas are per day (Ads: 15,000 operations on basic access) and per property (GA4 tokens),
    so there is no useful per-second limit to keep; `RESOURCE_EXHAUSTED` (whatever the HTTP
    status) means back off, honouring a `google.rpc.RetryInfo` delay when one is given.
    """

    name = "google"
    _RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"

    def parse_error(self, response: httpx.Response) -> ErrorInfo:
        body = _body(response)
        if isinstance(body, list) and body and isinstance(body[0], dict):
            body = body[0]  # searchStream wraps its error in an array
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return super().parse_error(response)
        messages, codes = [], []
        for detail in error.get("details") or []:
            for failure in detail.get("errors") or []:
                codes += [str(v) for v in (failure.get("errorCode") or {}).values()]
                messages.append(str(failure.get("message", "")))
        message = "; ".join(m for m in messages if m) or str(error.get("message", ""))
        status = str(error.get("status", ""))
        missing = tuple(codes) if status == "PERMISSION_DENIED" else ()
        return ErrorInfo(message, ",".join([status, *codes]).strip(","), missing)

    def classify(self, status: int, info: ErrorInfo) -> Outcome:
        if "RESOURCE_EXHAUSTED" in info.code:
            return Outcome.RATE_LIMITED
        return super().classify(status, info)

    def retry_after(self, response: httpx.Response) -> float | None:
        header = super().retry_after(response)
        if header is not None:
            return header
        body = _body(response)
        error = body.get("error") if isinstance(body, dict) else None
        details = error.get("details") or [] if isinstance(error, dict) else []
        for detail in details:
            delay = str(detail.get("retryDelay", ""))
            if detail.get("@type") == self._RETRY_INFO and delay.endswith("s"):
                with contextlib.suppress(ValueError):
                    return float(delay[:-1])
        return None


class GoogleAdsPolicy(GooglePolicy):
    """Basic access: 15,000 operations a day per developer token (override for Standard)."""

    name = "google_ads"
    default_limits: ClassVar[Mapping[str, RateLimit | None]] = {
        "default": RateLimit(15_000, 86_400.0)
    }


class GA4Policy(GooglePolicy):
    name = "ga4"


class MetaPolicy(VendorPolicy):
    """Meta Graph/Marketing API: rate limits arrive as HTTP 400 with error codes, and the usage
    headers say how long until access returns (`estimated_time_to_regain_access`, minutes).
    """

    name = "meta_ads"
    RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
    TRANSIENT_CODES = frozenset({1, 2})
    AUTH_CODES = frozenset({102, 190})
    PERMISSION_CODES = frozenset({10, *range(200, 300)})

    def parse_error(self, response: httpx.Response) -> ErrorInfo:
        body = _body(response)
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return super().parse_error(response)
        code = str(error.get("code", ""))
        if error.get("error_subcode"):
            code += f"/{error['error_subcode']}"
        if error.get("is_transient"):
            code += "/transient"
        return ErrorInfo(str(error.get("message", "")), code)

    def classify(self, status: int, info: ErrorInfo) -> Outcome:
        if status >= 400 and info.code:
            main = int(info.code.split("/")[0]) if info.code.split("/")[0].isdigit() else None
            if main in self.RATE_LIMIT_CODES:
                return Outcome.RATE_LIMITED
            if main in self.TRANSIENT_CODES or info.code.endswith("/transient"):
                return Outcome.UNAVAILABLE
            if main in self.AUTH_CODES:
                return Outcome.AUTH
            if main in self.PERMISSION_CODES:
                return Outcome.PERMISSION
        return super().classify(status, info)

    def retry_after(self, response: httpx.Response) -> float | None:
        minutes = [
            float(entry.get("estimated_time_to_regain_access") or 0)
            for entry in self._business_usage(response)
        ]
        regain = max(minutes, default=0.0) * 60
        return regain or super().retry_after(response)

    def adapt(self, response: httpx.Response, limiters: Limiters) -> None:
        regain = self.retry_after(response)
        if regain:
            limiters("default").pause(regain)

    @staticmethod
    def _business_usage(response: httpx.Response) -> list[dict[str, Any]]:
        try:
            usage = json.loads(response.headers.get("X-Business-Use-Case-Usage", "{}"))
        except ValueError:
            return []
        if not isinstance(usage, dict):
            return []
        return [e for entries in usage.values() if isinstance(entries, list) for e in entries]


class LinkedInPolicy(VendorPolicy):
    """LinkedIn: `{"status","serviceErrorCode","code","message"}`; daily per-app and per-member
    limits that vary by endpoint (shown in the developer portal), so no default per-second limit.
    """

    name = "linkedin_ads"

    def parse_error(self, response: httpx.Response) -> ErrorInfo:
        info = super().parse_error(response)
        body = _body(response)
        if isinstance(body, dict) and "serviceErrorCode" in body:
            code = str(body.get("code") or body["serviceErrorCode"])
            missing = ()
            if code == "ACCESS_DENIED" and ":" in info.message:
                missing = (info.message.split(":", 1)[1].strip(),)
            return ErrorInfo(info.message, code, missing)
        return info


POLICIES: dict[str, type[VendorPolicy]] = {
    p.name: p
    for p in (
        HubSpotPolicy,
        SalesforcePolicy,
        GoogleAdsPolicy,
        GA4Policy,
        MetaPolicy,
        LinkedInPolicy,
    )
}


def policy_for(vendor: str, limits: Mapping[str, RateLimit | None] | None = None) -> VendorPolicy:
    """A fresh policy for `vendor` (one of POLICIES), limits overridden by `limits`."""
    if vendor not in POLICIES:
        raise ValueError(f"unknown vendor {vendor!r}; accepted: {', '.join(POLICIES)}")
    return POLICIES[vendor](limits)
