"""The errors a vendor call can end in: one class per thing the caller does about it.

Every message is built from redacted strings only (the request description never carries query
secrets); `retryable` says whether trying again later can succeed without a human.
"""

from __future__ import annotations


class VendorError(Exception):
    """A vendor call failed; `request` is a redacted "METHOD /path" description."""

    retryable = False
    hint = ""

    def __init__(
        self,
        vendor: str,
        request: str,
        status: int | None = None,
        vendor_message: str = "",
        *,
        detail: str = "",
    ) -> None:
        self.vendor = vendor
        self.request = request
        self.status = status
        self.vendor_message = vendor_message
        self.detail = detail
        super().__init__(self._message())

    def _message(self) -> str:
        status = f"HTTP {self.status}" if self.status is not None else "no response"
        parts = [f"{self.vendor}: {self.request} failed ({status})"]
        if self.vendor_message:
            parts.append(f"vendor says: {self.vendor_message}")
        if self.detail:
            parts.append(self.detail)
        if self.hint:
            parts.append(self.hint)
        return "; ".join(parts)


class BadRequest(VendorError):
    """400/404/409/414/422: the request itself is wrong; fix it (or reject the record) and go on."""

    hint = "fix the request or reject the record"


class VersionRefused(VendorError):
    """The vendor no longer serves (or never served) the API version Roundtrip speaks."""

    hint = "upgrade the version: README, 'Upgrading a vendor API version'"


class AuthenticationFailed(VendorError):
    """401 twice (after one refresh), or the token endpoint refused the credentials."""

    hint = "check the credentials (token, client id/secret, refresh token) and re-authorize the app"


class PermissionDenied(VendorError):
    """403: the credentials are valid but lack a permission or scope; `missing` names it."""

    hint = "grant the missing permission/scope to the app or user, then re-authorize"

    def __init__(
        self,
        vendor: str,
        request: str,
        status: int | None = None,
        vendor_message: str = "",
        *,
        missing: tuple[str, ...] = (),
    ) -> None:
        self.missing = missing
        detail = "missing: " + ", ".join(missing) if missing else ""
        super().__init__(vendor, request, status, vendor_message, detail=detail)


class QuotaExhausted(VendorError):
    """A daily allowance is used up (Salesforce REQUEST_LIMIT_EXCEEDED, HubSpot DAILY): not today."""

    hint = "the vendor's daily API allowance is used up; retry after it resets or raise the limit"


class VendorUnavailable(VendorError):
    """5xx, timeouts or dropped connections outlasted the retry budget."""

    retryable = True
    hint = "the vendor kept failing; retry later"


class RateLimited(VendorUnavailable):
    """Throttling (429 or a vendor's own rate-limit code) outlasted the retry budget."""

    hint = "the vendor kept rate-limiting; retry later or lower the request rate"
