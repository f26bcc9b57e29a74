"""The result of one delivery attempt, and how an HTTP response or error maps to it.

What a status means and Retry-After come from the shared HTTP leaf (`connectors.http.status`).
Retry: 429 (after Retry-After when given), 408, 5xx and network errors. Dead: any other 4xx —
the request can never succeed as configured (Slack 410 channel_is_archived, 404 no_service,
PagerDuty 400 invalid event). Error texts are one line, scrubbed of secrets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from connectors.http.status import classify_status, parse_retry_after
from monitor.alerts.notification import Notification
from monitor.alerts.secrets import scrub

_MAX_BODY = 200


@dataclass(frozen=True)
class Delivery:
    delivered: bool
    error: str = ""
    permanent: bool = False  # dead: never retried
    retry_after: float | None = None  # seconds the receiver asked us to wait

    @classmethod
    def ok(cls, note: str = "") -> Delivery:
        return cls(True, error=note)

    @classmethod
    def retry(cls, error: str, retry_after: float | None = None) -> Delivery:
        return cls(False, error=scrub(error), retry_after=retry_after)

    @classmethod
    def dead(cls, error: str) -> Delivery:
        return cls(False, error=scrub(error), permanent=True)


class Channel(Protocol):
    """Something that can deliver a notification once and say how it went."""

    def send(self, note: Notification) -> Delivery: ...


def _body(response: httpx.Response) -> str:
    text = " ".join(response.text.split())
    return text[:_MAX_BODY]


def classify_response(response: httpx.Response, vendor: str, accepted: set[int]) -> Delivery:
    """Map a vendor's HTTP answer to an outcome (`accepted`: the status codes meaning success)."""
    status = response.status_code
    said = f"{vendor} answered HTTP {status} {_body(response)}".rstrip()
    if status in accepted:
        return Delivery.ok()
    if classify_status(status).retryable:
        return Delivery.retry(said, parse_retry_after(response.headers.get("retry-after")))
    return Delivery.dead(said)


def post_json(
    client: httpx.Client, url: str, body: dict[str, Any], vendor: str, accepted: set[int]
) -> tuple[Delivery, httpx.Response | None]:
    """POST `body` as JSON; network errors become retryable outcomes whose text never carries
    the URL (webhook URLs are secrets)."""
    try:
        response = client.post(url, json=body)
    except httpx.TimeoutException:
        return Delivery.retry(f"{vendor}: timed out"), None
    except httpx.TransportError as exc:
        return Delivery.retry(f"{vendor}: {type(exc).__name__}: {exc}"), None
    return classify_response(response, vendor, accepted), response
