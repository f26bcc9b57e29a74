"""What every vendor client shares: the `Endpoint` it is built from, counters, closing.

The loads and the reverse syncs both reach a vendor through an `Endpoint` (roundtrip/endpoints.py
makes them: the real vendor or its sandbox stand-in). The vendor's facts are its module's
`VENDOR` descriptor (connectors/vendor.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

from connectors.api_versions import spoken, upgrade_target
from connectors.http.auth import Auth, BearerToken, OAuth2RefreshToken
from connectors.http.policy import VendorPolicy
from connectors.http.ratelimit import RateLimit
from connectors.http.transport import Transport


@dataclass(frozen=True)
class Endpoint:
    """How to reach one system: the vendor's base URL (sandbox or real) and its credentials."""

    system: str
    mode: Literal["sandbox", "real"]
    base_url: str | None  # None: the vendor's public default
    credentials: Mapping[str, Any] = field(repr=False)  # the keys its descriptor accepts
    verify: bool | str | Path = True  # a CA bundle path for the sandbox's self-signed TLS
    token_url: str | None = None  # None: the vendor's public token endpoint


class CredentialsError(ValueError):
    """The credentials lack what this vendor needs; the message names the missing keys."""


def require(vendor: str, credentials: Mapping[str, Any], *keys: str) -> None:
    missing = [k for k in keys if credentials.get(k) in (None, "", [])]
    if missing:
        raise CredentialsError(
            f"{vendor}: credentials lack {', '.join(missing)} "
            f"(set sources.{vendor}.credentials.<key> in .dlt/secrets.toml)"
        )


def id_list(value: Any) -> list[str]:
    """Account/customer ids from a list or a comma-separated string."""
    items = value if isinstance(value, list | tuple) else str(value or "").split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def date_windows(start: date, end: date, days: int) -> Iterator[tuple[date, date]]:
    """[start, end] cut into consecutive inclusive windows of at most `days` days."""
    while start <= end:
        stop = min(end, start + timedelta(days=days - 1))
        yield start, stop
        start = stop + timedelta(days=1)


def account_key(*parts: Any) -> str:
    """A stable, non-secret key for the rate-limit registry (a digest, never the credential)."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]


class VendorClient:
    """Holds the vendor's `Transport`; subclasses add the vendor's read calls and override the
    construction hooks (`make_auth`, `api_base`, `headers`) where their vendor differs."""

    vendor: ClassVar[str]
    policy: ClassVar[type[VendorPolicy]] = VendorPolicy
    default_base_url: ClassVar[str]
    default_token_url: ClassVar[str | None] = None

    def __init__(self, transport: Transport, credentials: Mapping[str, Any]) -> None:
        self.transport = transport

    @classmethod
    def from_endpoint(
        cls, endpoint: Endpoint, *, server_paced: bool = False, **options: Any
    ) -> Self:
        """The client for `endpoint`. `server_paced`: keep no client-side copy of the vendor's
        published limits, because the server enforces and advertises its own in the vendor's
        rate-limit headers, which the transport follows (the sandbox stand-ins)."""
        if server_paced:
            options["limits"] = dict.fromkeys(cls.policy.default_limits)
        return cls.from_credentials(
            endpoint.credentials,
            base_url=endpoint.base_url,
            token_url=endpoint.token_url,
            verify=endpoint.verify,
            **options,
        )

    @classmethod
    def from_credentials(
        cls,
        credentials: Mapping[str, Any],
        *,
        base_url: str | None = None,
        token_url: str | None = None,
        verify: bool | str | Path = True,
        limits: Mapping[str, RateLimit | None] | None = None,
        **transport_options: Any,
    ) -> Self:
        """Build the client; `base_url`/`token_url` None mean the vendor's public ones; `limits`
        overrides the vendor's published rate limits (e.g. HubSpot Pro: 190 per 10 s)."""
        auth = cls.make_auth(credentials, token_url or cls.default_token_url, verify)
        identity = [credentials.get(k) for k in ("client_id", "access_token", "username")]
        transport = Transport(
            cls.policy(limits),
            auth,
            cls.api_base(credentials, base_url),
            account=account_key(cls.vendor, *identity),
            verify=verify,
            headers=cls.headers(credentials),
            **transport_options,
        )
        transport.api_version = spoken(cls.vendor)
        transport.upgrade_to = upgrade_target(cls.vendor)
        return cls(transport, credentials)

    @classmethod
    def make_auth(
        cls, credentials: Mapping[str, Any], token_url: str | None, verify: bool | str | Path
    ) -> Auth:
        """A static `access_token` if given, else the refresh-token flow."""
        if credentials.get("access_token"):
            return BearerToken(str(credentials["access_token"]))
        require(cls.vendor, credentials, "client_id", "client_secret", "refresh_token")
        return OAuth2RefreshToken(
            str(token_url),
            str(credentials["client_id"]),
            str(credentials["client_secret"]),
            str(credentials["refresh_token"]),
            policy=cls.policy(),
            verify=verify,
        )

    @classmethod
    def api_base(cls, credentials: Mapping[str, Any], base_url: str | None) -> str:
        return base_url or cls.default_base_url

    @classmethod
    def headers(cls, credentials: Mapping[str, Any]) -> dict[str, str]:
        """Static headers every request carries (API versions, developer tokens)."""
        return {}

    def request_counter(self) -> tuple[int, int]:
        """(requests, retries) sent so far: HTTP attempts, of which retries."""
        stats = self.transport.stats
        return stats.requests, stats.retries

    def close(self) -> None:
        self.transport.close()
        self.transport.auth.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
