"""Auth kinds against the stub's OAuth token endpoint and its token-checking `/protected` path."""

from __future__ import annotations

import base64
import json
import threading
import time
from urllib.parse import parse_qs

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from connectors.http.auth import (
    ApiKey,
    BasicAuth,
    BearerToken,
    JWTBearer,
    OAuth2ClientCredentials,
    OAuth2RefreshToken,
)
from connectors.http.errors import AuthenticationFailed
from connectors.hubspot import HubSpotPolicy
from tests.connectors.conftest import Reply


def form(arrival) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(arrival.body.decode()).items()}


def refresh_auth(stub, **kwargs) -> OAuth2RefreshToken:
    return OAuth2RefreshToken(
        f"{stub.url}/token",
        "client-1",
        "client-secret-value",
        "refresh-0-secretvalue",
        policy=HubSpotPolicy(),
        **kwargs,
    )


def test_401_refreshes_exactly_once_and_replays(stub, make_transport):
    auth = refresh_auth(stub)
    transport = make_transport(auth=auth)
    transport.get_json("/protected")
    assert len(stub.hits("/token")) == 1
    stub.issued += 1  # the vendor revokes the current token
    assert transport.get_json("/protected") == {"ok": True}
    assert len(stub.hits("/token")) == 2
    assert [a.headers["authorization"] for a in stub.hits("/protected")][-2:] == [
        "Bearer access-1-secretvalue",
        "Bearer access-3-secretvalue",
    ]
    assert transport.stats.refreshes == 1
    # The rotated refresh token is kept and used next time.
    assert auth.refresh_token == "refresh-3-secretvalue"
    assert form(stub.hits("/token")[1])["refresh_token"] == "refresh-1-secretvalue"


def test_second_401_fails_clearly_after_one_refresh(stub, make_transport):
    auth = refresh_auth(stub)
    stub.script("/data", Reply(401, {"message": "nope"}), Reply(401, {"message": "still nope"}))
    with pytest.raises(AuthenticationFailed) as caught:
        make_transport(auth=auth).get_json("/data")
    assert len(stub.hits("/token")) == 2 and len(stub.hits("/data")) == 2
    message = str(caught.value)
    assert message.startswith("hubspot: GET /data failed (HTTP 401)")
    assert "still nope" in message and "check the credentials" in message


def test_token_expiring_again_during_a_long_retry_is_refreshed_again(stub, make_transport):
    auth = refresh_auth(stub)
    stub.script(
        "/data",
        Reply(401, {"message": "expired"}),
        Reply(503, {"message": "busy"}),
        Reply(401, {"message": "expired again"}),
        Reply(200, {"ok": True}),
    )
    transport = make_transport(auth=auth)
    assert transport.get_json("/data") == {"ok": True}
    assert transport.stats.refreshes == 2 and len(stub.hits("/data")) == 4


def test_static_token_401_fails_without_retry(stub, make_transport):
    stub.script("/data", Reply(401, {"message": "bad token"}))
    with pytest.raises(AuthenticationFailed):
        make_transport(auth=BearerToken("static-token-value")).get_json("/data")
    assert len(stub.hits("/data")) == 1


def test_concurrent_401s_trigger_a_single_refresh(stub, make_transport):
    auth = refresh_auth(stub)
    transport = make_transport(auth=auth)
    transport.get_json("/protected")
    stub.issued += 1  # every in-flight token is now stale
    errors: list[Exception] = []

    def call() -> None:
        try:
            transport.get_json("/protected")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(stub.hits("/token")) == 2


def test_token_refreshed_proactively_before_expiry(stub, make_transport):
    stub.token_expires_in = 60  # within the 60 s margin: stale on arrival
    transport = make_transport(auth=refresh_auth(stub))
    transport.get_json("/protected")
    transport.get_json("/protected")
    assert len(stub.hits("/token")) == 2
    assert all(a.headers["authorization"].startswith("Bearer ") for a in stub.hits("/protected"))

    stub.reset()
    transport = make_transport(auth=refresh_auth(stub))
    for _ in range(3):
        transport.get_json("/protected")
    assert len(stub.hits("/token")) == 1


def test_refresh_token_form_and_instance_url(stub, make_transport):
    auth = refresh_auth(stub, extra={"redirect_uri": "http://localhost/cb"})
    make_transport(auth=auth).get_json("/protected")
    assert form(stub.hits("/token")[0]) == {
        "grant_type": "refresh_token",
        "client_id": "client-1",
        "client_secret": "client-secret-value",
        "refresh_token": "refresh-0-secretvalue",
        "redirect_uri": "http://localhost/cb",
    }
    assert auth.instance_url == stub.url
    assert "access_token" not in auth.token_response


def test_revoked_refresh_token_is_authentication_failed(stub, make_transport):
    stub.script(
        "/token",
        Reply(400, {"error": "invalid_grant", "error_description": "expired access/refresh token"}),
    )
    with pytest.raises(AuthenticationFailed) as caught:
        make_transport(auth=refresh_auth(stub)).get_json("/protected")
    assert "expired access/refresh token" in str(caught.value)
    assert "POST /token" in str(caught.value)
    assert len(stub.hits("/protected")) == 0


def test_client_credentials_form(stub, make_transport):
    auth = OAuth2ClientCredentials(f"{stub.url}/token", "cid", "csecret-value", scope="api")
    make_transport(auth=auth).get_json("/protected")
    assert form(stub.hits("/token")[0]) == {
        "grant_type": "client_credentials",
        "client_id": "cid",
        "client_secret": "csecret-value",
        "scope": "api",
    }


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_jwt_bearer_assertion_is_signed_rs256(stub, make_transport):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    auth = JWTBearer(
        f"{stub.url}/token", "consumer-key", "ops@example.com", pem, "https://login.salesforce.com"
    )
    make_transport("salesforce", auth=auth).get_json("/protected")
    sent = form(stub.hits("/token")[0])
    assert sent["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    header, claims, signature = sent["assertion"].split(".")
    assert json.loads(_b64decode(header)) == {"alg": "RS256", "typ": "JWT"}
    payload = json.loads(_b64decode(claims))
    assert payload["iss"] == "consumer-key" and payload["sub"] == "ops@example.com"
    assert payload["aud"] == "https://login.salesforce.com"
    assert 0 < payload["exp"] - time.time() <= 180
    key.public_key().verify(
        _b64decode(signature), f"{header}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256()
    )


def test_api_key_as_query_param_or_header(stub, make_transport):
    make_transport(
        "meta_ads", auth=ApiKey("meta-token-value", query_param="access_token")
    ).get_json("/act_1/insights", params={"level": "campaign"})
    arrival = stub.hits("/act_1/insights")[0]
    assert arrival.query == {"level": "campaign", "access_token": "meta-token-value"}
    assert "authorization" not in arrival.headers

    make_transport(auth=ApiKey("key-value", header_name="X-Api-Key")).get_json("/k")
    assert stub.hits("/k")[0].headers["x-api-key"] == "key-value"


def test_basic_auth_header(stub, make_transport):
    make_transport(auth=BasicAuth("user", "pass-word")).get_json("/b")
    expected = "Basic " + base64.b64encode(b"user:pass-word").decode()
    assert stub.hits("/b")[0].headers["authorization"] == expected
