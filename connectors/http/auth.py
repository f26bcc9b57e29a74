"""Authentication kinds the vendors use; each registers its secrets with the redactor.

Every auth object has `apply(request)` (add the credential to an outgoing `httpx.Request` and
return its generation, a number bumped on each new credential) and `refresh(generation)` (get a
new credential unless someone already replaced that generation; False when the credential cannot
be refreshed at all). So concurrent 401s on one token cause one refresh.
Token calls go through a `Transport` of their own, so they get the same retries and redaction.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from connectors.http.errors import AuthenticationFailed, BadRequest, PermissionDenied
from connectors.http.policy import VendorPolicy
from connectors.http.redaction import REDACTOR, Redactor
from connectors.http.transport import Transport

REFRESH_MARGIN_SECONDS = 60
"""Refresh an expiring access token this long before the vendor says it expires."""


class Auth:
    """No credential at all (also the base class: static credentials cannot be refreshed)."""

    def apply(self, request: httpx.Request) -> int:
        """Add the credential to `request`; return its generation."""
        return 0

    def refresh(self, generation: int) -> bool:
        """Get a new credential unless one newer than `generation` exists; False if impossible."""
        return False

    def close(self) -> None:
        """Release what the auth holds (the token endpoint's connections)."""


class ApiKey(Auth):
    """A static key sent as a header (`header_name`) or a query parameter (`query_param`; Meta's
    `access_token`)."""

    def __init__(
        self,
        value: str,
        *,
        header_name: str | None = None,
        query_param: str | None = None,
        redactor: Redactor = REDACTOR,
    ) -> None:
        if (header_name is None) == (query_param is None):
            raise ValueError("ApiKey needs exactly one of header_name or query_param")
        self._value = value
        self.header_name = header_name
        self.query_param = query_param
        redactor.register(value)

    def apply(self, request: httpx.Request) -> int:
        if self.header_name:
            request.headers[self.header_name] = self._value
        else:
            request.url = request.url.copy_set_param(str(self.query_param), self._value)
        return 0


class BearerToken(Auth):
    """A static bearer token (HubSpot private-app token, Meta system-user token, …)."""

    def __init__(self, token: str, *, redactor: Redactor = REDACTOR) -> None:
        self._token = token
        redactor.register(token)

    def apply(self, request: httpx.Request) -> int:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return 0


class BasicAuth(Auth):
    """HTTP Basic with a username and password."""

    def __init__(self, username: str, password: str, *, redactor: Redactor = REDACTOR) -> None:
        self._header = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
        redactor.register(password, self._header.split(" ", 1)[1])

    def apply(self, request: httpx.Request) -> int:
        request.headers["Authorization"] = self._header
        return 0


class _OAuth2(Auth):
    """Shared OAuth2 machinery: fetch a token from `token_url`, keep it fresh, thread-safe."""

    def __init__(
        self,
        token_url: str,
        *,
        policy: VendorPolicy | None = None,
        verify: bool | str | Path = True,
        timeout: float = 30,
        redactor: Redactor = REDACTOR,
    ) -> None:
        self.token_url = token_url
        self.policy = policy or VendorPolicy()  # the vendor's, to read its token errors
        self.redactor = redactor
        self.token_response: dict[str, Any] = {}
        self.generation = 0
        self._access_token: str | None = None
        self._expires_at: float | None = None
        self._lock = threading.Lock()
        self._token_transport = Transport(
            self.policy,
            Auth(),
            token_url,
            account="oauth-token-endpoint",
            max_retries=3,
            max_retry_seconds=60,
            timeout=timeout,
            verify=verify,
            redactor=redactor,
        )

    def _form(self) -> dict[str, str]:
        """The token request's form fields."""
        raise NotImplementedError

    @property
    def instance_url(self) -> str | None:
        """Salesforce: the org's API host, from the last token response."""
        return self.token_response.get("instance_url")

    def apply(self, request: httpx.Request) -> int:
        with self._lock:
            if self._access_token is None or self._expiring():
                self._obtain()
            token, generation = self._access_token, self.generation
        request.headers["Authorization"] = f"Bearer {token}"
        return generation

    def refresh(self, generation: int) -> bool:
        with self._lock:
            if self.generation == generation:
                self._obtain()
        return True

    def close(self) -> None:
        self._token_transport.close()

    def _expiring(self) -> bool:
        return self._expires_at is not None and time.monotonic() >= self._expires_at

    def _obtain(self) -> None:
        """POST the token request; keep the token, its expiry and any rotated refresh token."""
        try:
            response = self._token_transport.request("POST", self.token_url, data=self._form())
        except (BadRequest, PermissionDenied) as exc:
            raise AuthenticationFailed(
                exc.vendor, exc.request, exc.status, exc.vendor_message
            ) from None
        body = response.json()
        token = body.get("access_token")
        if not token:
            raise AuthenticationFailed(
                self.policy.name,
                f"POST {httpx.URL(self.token_url).path}",
                response.status_code,
                "the token response has no access_token",
            )
        self.redactor.register(token, body.get("refresh_token"), body.get("id_token"))
        self._access_token = token
        self._accept(body)
        expires_in = body.get("expires_in")
        self._expires_at = (
            time.monotonic() + float(expires_in) - REFRESH_MARGIN_SECONDS if expires_in else None
        )
        secret_keys = {"access_token", "refresh_token", "id_token", "signature"}
        self.token_response = {k: v for k, v in body.items() if k not in secret_keys}
        self.generation += 1

    def _accept(self, body: Mapping[str, Any]) -> None:
        """Hook for flows that keep something from the token response."""


class OAuth2RefreshToken(_OAuth2):
    """`grant_type=refresh_token`; keeps a rotated refresh token when the vendor returns one."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        *,
        extra: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(token_url, **kwargs)
        self.client_id = client_id
        self._client_secret = client_secret
        self.refresh_token = refresh_token
        self._extra = dict(extra or {})
        self.redactor.register(client_secret, refresh_token)

    def _form(self) -> dict[str, str]:
        return {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "refresh_token": self.refresh_token,
            **self._extra,
        }

    def _accept(self, body: Mapping[str, Any]) -> None:
        if body.get("refresh_token"):
            self.refresh_token = str(body["refresh_token"])


class OAuth2ClientCredentials(_OAuth2):
    """`grant_type=client_credentials` with the client id and secret in the form."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(token_url, **kwargs)
        self.client_id = client_id
        self._client_secret = client_secret
        self.scope = scope
        self.redactor.register(client_secret)

    def _form(self) -> dict[str, str]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._client_secret,
        }
        if self.scope:
            form["scope"] = self.scope
        return form


class JWTBearer(_OAuth2):
    """OAuth 2.0 JWT bearer grant (Salesforce): an RS256 assertion with iss=client_id,
    sub=username, aud=login URL, exp a few minutes ahead."""

    GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    ASSERTION_LIFETIME_SECONDS = 180

    def __init__(
        self,
        token_url: str,
        client_id: str,
        username: str,
        private_key_pem: str | bytes,
        audience: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(token_url, **kwargs)
        pem = private_key_pem.encode() if isinstance(private_key_pem, str) else private_key_pem
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("JWTBearer needs an RSA private key (RS256)")
        self._key = key
        self.client_id = client_id
        self.username = username
        self.audience = audience
        self.redactor.register(pem.decode())

    def assertion(self) -> str:
        """A freshly signed RS256 JWT."""
        claims = {
            "iss": self.client_id,
            "sub": self.username,
            "aud": self.audience,
            "exp": int(time.time()) + self.ASSERTION_LIFETIME_SECONDS,
        }
        signing_input = f"{_b64url_json({'alg': 'RS256', 'typ': 'JWT'})}.{_b64url_json(claims)}"
        signature = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64url(signature)}"

    def _form(self) -> dict[str, str]:
        assertion = self.assertion()
        self.redactor.register(assertion)
        return {"grant_type": self.GRANT_TYPE, "assertion": assertion}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_json(data: Mapping[str, Any]) -> str:
    return _b64url(json.dumps(data, separators=(",", ":")).encode())
