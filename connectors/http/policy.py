"""The base of every vendor policy: which limiters a request draws from, what an error response
means and says, how long the server asks us to wait, and what to learn from usage headers.

Each vendor module (`connectors/<vendor>.py`) subclasses `VendorPolicy` where its vendor differs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx

from connectors.http.deprecation import VersionSignal, header_signals
from connectors.http.ratelimit import Limiter, RateLimit
from connectors.http.redaction import get_logger
from connectors.http.status import Disposition, classify_status, parse_retry_after


@dataclass(frozen=True)
class ErrorInfo:
    """What a vendor's error body says: its message, its code/category, missing scopes."""

    message: str = ""
    code: str = ""
    missing: tuple[str, ...] = ()


def json_body(response: httpx.Response) -> Any:
    """The response's JSON, or None when the body is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def body_text(response: httpx.Response) -> str:
    """The body on one line, shortened for messages."""
    return " ".join(response.text.split())[:300]


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
        body = json_body(response)
        if isinstance(body, dict):
            if isinstance(body.get("error"), str):
                return ErrorInfo(str(body.get("error_description") or body["error"]), body["error"])
            if "message" in body:
                return ErrorInfo(str(body["message"]), str(body.get("code", "")))
        return ErrorInfo(body_text(response))

    def classify(self, status: int, info: ErrorInfo) -> Disposition:
        return classify_status(status)

    def retry_after(self, response: httpx.Response) -> float | None:
        """Seconds the vendor asks us to wait before retrying, if it says."""
        return parse_retry_after(response.headers.get("Retry-After"))

    def adapt(self, response: httpx.Response, limiters: Limiters) -> None:
        """Learn from usage headers (pause before the vendor starts refusing)."""

    def version_refused(self, status: int, info: ErrorInfo) -> bool:
        """True when the error says the API version itself is retired or unknown."""
        return False

    def version_signals(self, response: httpx.Response, info: ErrorInfo) -> list[VersionSignal]:
        """What the response says about the version's lifecycle: the standard headers, and a
        refusal. Vendors add their own warnings."""
        signals = header_signals(response)
        if not response.is_success and self.version_refused(response.status_code, info):
            signals.append(VersionSignal("refused", f"HTTP {response.status_code}: {info.message}"))
        return signals
