"""What an HTTP answer means, said once: the status classifier and the Retry-After parser."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import Enum


class Disposition(Enum):
    """What a caller does with a response."""

    OK = "ok"
    RATE_LIMITED = "rate limited"  # wait (the server's hint, else backoff) and retry
    UNAVAILABLE = "unavailable"  # retry with backoff and jitter
    AUTH = "authentication"  # refresh the credential once and replay, then fail
    PERMISSION = "permission"  # fail: the credential lacks a permission
    QUOTA = "quota"  # fail: a daily allowance is used up (vendor policies say when)
    BAD_REQUEST = "bad request"  # fail: the request itself is wrong

    @property
    def retryable(self) -> bool:
        return self in (Disposition.RATE_LIMITED, Disposition.UNAVAILABLE)


def classify_status(status: int) -> Disposition:
    """The meaning of an HTTP status alone (vendor policies refine it from the error body)."""
    if status < 400:
        return Disposition.OK
    if status == 401:
        return Disposition.AUTH
    if status == 403:
        return Disposition.PERMISSION
    if status == 429:
        return Disposition.RATE_LIMITED
    if status == 408 or status >= 500:
        return Disposition.UNAVAILABLE
    return Disposition.BAD_REQUEST


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds (RFC 9110; fractions such as
    "0.3" accepted, as some servers send them) or an HTTP date; None when absent or unreadable."""
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
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())
