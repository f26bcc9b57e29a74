"""Signature checks against the vendor side's own signing code (the HubSpot stand-in and the
simulated website are the other end of the wire and never share code with the receiver)."""

from __future__ import annotations

import time

import pytest

from realtime.signatures import SignatureError, verify_form, verify_hubspot
from sandbox.server.hubspot_webhooks import sign as hubspot_sign
from sandbox.simulate import sign as website_sign

SECRET = "sbx-app-secret"
URL = "https://hooks.example.com/webhooks/hubspot"
BODY = b'[{"eventId":1,"subscriptionType":"contact.creation","objectId":5,"occurredAt":1}]'


def hubspot_headers(body: bytes = BODY, url: str = URL, age_ms: int = 0) -> dict[str, str]:
    stamp = str(int(time.time() * 1000) - age_ms)
    return hubspot_sign(SECRET, "POST", url, body, stamp)


def test_a_delivery_signed_by_hubspot_verifies() -> None:
    verify_hubspot(SECRET, "POST", URL, BODY, hubspot_headers())


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"body": BODY + b" "}, "does not match"),
        ({"url": URL + "?x=1"}, "does not match"),
        ({"secret": "another"}, "does not match"),
        ({"age_ms": 301_000}, "old"),
        ({"drop": "X-HubSpot-Signature-v3"}, "missing"),
        ({"drop": "X-HubSpot-Request-Timestamp"}, "missing"),
    ],
)
def test_anything_else_is_refused(change: dict, reason: str) -> None:
    headers = hubspot_headers(age_ms=change.get("age_ms", 0))
    headers.pop(change.get("drop", ""), None)
    with pytest.raises(SignatureError, match=reason):
        verify_hubspot(
            change.get("secret", SECRET),
            "POST",
            change.get("url", URL),
            change.get("body", BODY),
            headers,
        )


def test_hubspot_decodes_the_listed_characters_of_the_uri_before_signing() -> None:
    signed_url = "https://hooks.example.com/webhooks/hubspot?tag=a:b"
    received_url = "https://hooks.example.com/webhooks/hubspot?tag=a%3Ab"
    headers = hubspot_sign(SECRET, "POST", signed_url, BODY, str(int(time.time() * 1000)))
    verify_hubspot(SECRET, "POST", received_url, BODY, headers)


def test_website_posts_verify_with_the_shared_secret_and_a_fresh_timestamp() -> None:
    body = b'{"email": "a@b.example"}'
    verify_form(SECRET, body, website_sign(SECRET, body, int(time.time())))
    with pytest.raises(SignatureError, match="does not match"):
        verify_form(SECRET, body + b"x", website_sign(SECRET, body, int(time.time())))
    with pytest.raises(SignatureError, match="old"):
        verify_form(SECRET, body, website_sign(SECRET, body, int(time.time()) - 400))
    with pytest.raises(SignatureError, match="missing"):
        verify_form(SECRET, body, {})
