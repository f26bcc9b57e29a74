"""Access tokens for the stand-ins: stateless, HMAC-signed, expiring in wall-clock time.

A token is `rt1.<realm>.<expires epoch s>.<nonce>.<signature>`, signed with a key derived from
credentials.json, so a server restart keeps issued tokens valid while a `sandbox reset` (new
credentials) invalidates them. Google Ads and GA4 share the realm `google` (one OAuth server).
Static tokens from credentials.json (HubSpot's private-app `access_token`, Meta's
`access_token`) are always valid.

Use from a vendor module:
    ctx.auth.check(ctx.vendor, token)              -> TokenState.VALID | EXPIRED | INVALID
    ctx.auth.client_for_refresh(form, sections)    -> the matching credentials section name
    ctx.issue_token()                              -> (access_token, expires_in) honouring token_ttl
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

REALMS = {
    "hubspot": "hubspot",
    "salesforce": "salesforce",
    "google_ads": "google",
    "ga4": "google",
    "linkedin_ads": "linkedin",
    "meta_ads": "meta",
}
# Vendors' own access-token lifetimes in seconds (Meta has no OAuth refresh: static tokens only).
DEFAULT_TTL = {"hubspot": 1800, "salesforce": 7200, "google": 3599, "linkedin": 5_184_000}
# Credentials entries that are long-lived tokens, valid without any OAuth exchange.
STATIC_TOKEN_VENDORS = ("hubspot", "meta_ads")


class TokenState(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"


class OAuthError(Exception):
    """A refused token request: `error` is the OAuth error code (invalid_client, invalid_grant …)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


class TokenAuthority:
    """Issues and checks the stand-ins' access tokens for every vendor."""

    def __init__(self, credentials: Mapping[str, Any]) -> None:
        self.credentials = credentials
        self._key = hashlib.sha256(orjson.dumps(credentials, option=orjson.OPT_SORT_KEYS)).digest()
        self._static = {
            vendor: str(credentials[vendor]["access_token"])
            for vendor in STATIC_TOKEN_VENDORS
            if credentials.get(vendor, {}).get("access_token")
        }

    def _sign(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, vendor: str, ttl: int | None = None) -> tuple[str, int]:
        """A new access token for `vendor`'s realm and its lifetime in seconds."""
        realm = REALMS[vendor]
        lifetime = ttl if ttl is not None else DEFAULT_TTL[realm]
        payload = f"rt1.{realm}.{math.ceil(time.time()) + lifetime}.{secrets.token_hex(6)}"
        return f"{payload}.{self._sign(payload)}", lifetime

    def check(self, vendor: str, token: str | None) -> TokenState:
        if not token:
            return TokenState.INVALID
        static = self._static.get(vendor)
        if static is not None and hmac.compare_digest(token, static):
            return TokenState.VALID
        payload, _, signature = token.rpartition(".")
        parts = payload.split(".")
        if (
            len(parts) != 4
            or parts[0] != "rt1"
            or parts[1] != REALMS[vendor]
            or not parts[2].isdigit()
            or not hmac.compare_digest(signature, self._sign(payload))
        ):
            return TokenState.INVALID
        return TokenState.VALID if int(parts[2]) > time.time() else TokenState.EXPIRED

    def client_for_refresh(self, form: Mapping[str, str], sections: Iterable[str]) -> str:
        """The credentials section matching a refresh_token grant's client and refresh token."""
        client = self.client(form, sections)
        if form.get("refresh_token") != self.credentials[client].get("refresh_token"):
            raise OAuthError("invalid_grant", "refresh token is invalid, expired or revoked")
        return client

    def client(self, form: Mapping[str, str], sections: Iterable[str]) -> str:
        """The credentials section whose client_id and client_secret the form carries."""
        for section in sections:
            creds = self.credentials.get(section, {})
            if creds.get("client_id") and form.get("client_id") == creds["client_id"]:
                if not hmac.compare_digest(
                    str(form.get("client_secret", "")), str(creds.get("client_secret", ""))
                ):
                    raise OAuthError("invalid_client", "client secret is invalid")
                return section
        raise OAuthError("invalid_client", "client_id is unknown")


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header (scheme case-insensitive)."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None
