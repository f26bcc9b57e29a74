"""The outcome of one delivery attempt, and how an HTTP response or error maps to it.

Retry: 429 (after Retry-After when given), 408, 5xx and network errors. Dead: any other 4xx —
the request can never succeed as configured (Slack 410 channel_is_archived, 404 no_service,
PagerDuty 400 invalid event). Error texts are one line, scrubbed of secrets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from monitor.alerts.notification import Notification
from monitor.alerts.secrets import scrub

_MAX_BODY = 200


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    error: str = ""
    permanent: bool = False  # dead: never retried
    retry_after: float | None = None  # seconds the receiver asked us to wait

    @classmethod
    def ok(cls, note: str = "") -> Outcome:
        return cls(True, error=note)

    @classmethod
    def retry(cls, error: str, retry_after: float | None = None) -> Outcome:
        return cls(False, error=scrub(error), retry_after=retry_after)

    @classmethod
    def dead(cls, error: str) -> Outcome:
        return cls(False, error=scrub(error), permanent=True)


class Channel(Protocol):
    """Something that can deliver a notification once and say how it went."""

    def send(self, note: Notification) -> Outcome: ...


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _body(response: httpx.Response) -> str:
    text = " ".join(response.text.split())
    return text[:_MAX_BODY]


def classify_response(response: httpx.Response, vendor: str, accepted: set[int]) -> Outcome:
    """Map a vendor's HTTP answer to an outcome (`accepted`: the status codes meaning success)."""
    status = response.status_code
    said = f"{vendor} answered HTTP {status} {_body(response)}".rstrip()
    if status in accepted:
        return Outcome.ok()
    if status == 429:
        return Outcome.retry(said, retry_after_seconds(response.headers.get("retry-after")))
    if status == 408 or status >= 500:
        return Outcome.retry(said)
    return Outcome.dead(said)


def post_json(
    client: httpx.Client, url: str, body: dict[str, Any], vendor: str, accepted: set[int]
) -> tuple[Outcome, httpx.Response | None]:
    """POST `body` as JSON; network errors become retryable outcomes whose text never carries
    the URL (webhook URLs are secrets)."""
    try:
        response = client.post(url, json=body)
    except httpx.TimeoutException:
        return Outcome.retry(f"{vendor}: timed out"), None
    except httpx.TransportError as exc:
        return Outcome.retry(f"{vendor}: {type(exc).__name__}: {exc}"), None
    return classify_response(response, vendor, accepted), response
