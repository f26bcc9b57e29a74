"""What a vendor says about the lifecycle of the API version a request used.

Standard signals are the `Deprecation` (RFC 9745) and `Sunset` (RFC 8594) response headers;
vendor-specific ones (Meta's `X-Ad-Api-Version-Warning`, refusals such as LinkedIn's 426
NONEXISTENT_VERSION) are read by the vendor's policy (`VendorPolicy.version_signals`). The
transport hands each signal to its `on_version_signal` callback; the load records them
(warehouse/api_signals.py) for the `api_version_lifecycle` health check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

import httpx

SignalKind = Literal["deprecated", "sunset", "auto_upgraded", "refused"]


@dataclass(frozen=True)
class VersionSignal:
    """One thing a vendor said about a version: deprecated, its sunset date, auto-upgraded to a
    newer one, or refused."""

    kind: SignalKind
    detail: str  # the header or message, as the vendor sent it (no secrets: headers/messages only)
    sunset: date | None = None


def _http_date(value: str) -> date | None:
    """An RFC 9110 HTTP-date (Sunset) or an RFC 9651 `@epoch` date (Deprecation)."""
    value = value.strip()
    if value.startswith("@") and value[1:].isdigit():
        return datetime.fromtimestamp(int(value[1:]), UTC).date()
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError):
        return None


def header_signals(response: httpx.Response) -> list[VersionSignal]:
    """The standard `Sunset` and `Deprecation` headers of a response."""
    signals = []
    if sunset := response.headers.get("Sunset"):
        signals.append(VersionSignal("sunset", f"Sunset: {sunset}", _http_date(sunset)))
    if deprecation := response.headers.get("Deprecation"):
        signals.append(VersionSignal("deprecated", f"Deprecation: {deprecation}"))
    return signals
