"""What Google's APIs share (Ads REST, GA4 Data): the error body and its retry hint."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

from connectors.http.policy import ErrorInfo, VendorPolicy, json_body
from connectors.http.status import Disposition


class GooglePolicy(VendorPolicy):
    """Google APIs (Ads REST, GA4 Data): `{"error":{"code","message","status","details"}}`.

    Quotas are per day (Ads: 15,000 operations on basic access) and per property (GA4 tokens),
    so there is no useful per-second limit to keep; `RESOURCE_EXHAUSTED` (whatever the HTTP
    status) means back off, honouring a `google.rpc.RetryInfo` delay when one is given.
    """

    name = "google"
    _RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"

    def parse_error(self, response: httpx.Response) -> ErrorInfo:
        error = _error(response)
        if error is None:
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

    def version_refused(self, status: int, info: ErrorInfo) -> bool:
        """A sunset version: 400 with GoogleAdsFailure `requestError: UNSUPPORTED_VERSION`
        ("Version v21 is deprecated. Requests to this version will be blocked.")."""
        return "UNSUPPORTED_VERSION" in info.code

    def classify(self, status: int, info: ErrorInfo) -> Disposition:
        if "RESOURCE_EXHAUSTED" in info.code:
            return Disposition.RATE_LIMITED
        return super().classify(status, info)

    def retry_after(self, response: httpx.Response) -> float | None:
        header = super().retry_after(response)
        if header is not None:
            return header
        error = _error(response) or {}
        for detail in error.get("details") or []:
            if detail.get("@type") == self._RETRY_INFO:
                return _seconds(detail.get("retryDelay"))
            # Google Ads: GoogleAdsFailure errors[].details.quotaErrorDetails.retryDelay
            for failure in detail.get("errors") or []:
                quota = (failure.get("details") or {}).get("quotaErrorDetails") or {}
                if (delay := _seconds(quota.get("retryDelay"))) is not None:
                    return delay
        return None


def _error(response: httpx.Response) -> dict[str, Any] | None:
    """The `error` object of a Google error body; searchStream wraps it in a JSON array."""
    body = json_body(response)
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else None


def _seconds(duration: object) -> float | None:
    """A protobuf Duration in JSON ("30s", "1.5s") as seconds."""
    text = str(duration or "")
    if text.endswith("s"):
        with contextlib.suppress(ValueError):
            return float(text[:-1])
    return None
