"""Request signatures: HubSpot's v3 webhook signature and the website forms' shared-secret HMAC.

HubSpot v3 (https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests,
"Validate the v3 request signature"; announced in
https://developers.hubspot.com/changelog/introducing-version-3-of-webhook-signatures):
headers `X-HubSpot-Signature-v3` and `X-HubSpot-Request-Timestamp` (epoch milliseconds); refuse a
timestamp older than 5 minutes; the signed string is the UTF-8 concatenation
`method + uri + body + timestamp`, where `uri` is the full URL HubSpot called with the
URL-encoded characters of its table decoded; HMAC-SHA256 with the app's client secret,
base64-encoded; compare in constant time.

Website forms (our own contract, for the company's site or its form backend):
`X-Roundtrip-Timestamp` (epoch seconds) and `X-Roundtrip-Signature: sha256=<hex>` where the hex
is HMAC-SHA256(form secret, `timestamp + "." + body`), the scheme Stripe and GitHub use; the same
5-minute window.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass

HUBSPOT_SIGNATURE = "X-HubSpot-Signature-v3"
HUBSPOT_TIMESTAMP = "X-HubSpot-Request-Timestamp"
FORM_SIGNATURE = "X-Roundtrip-Signature"
FORM_TIMESTAMP = "X-Roundtrip-Timestamp"
MAX_AGE_SECONDS = 300

# HubSpot: "decode any of the URL-encoded characters listed in the following table" of the URI
_HUBSPOT_DECODE = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'",
    "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip


@dataclass(frozen=True)
class ReceiverSecrets:
    """HubSpot's app client secret and the website forms' shared secret (None: endpoint off)."""

    hubspot_app_secret: str | None
    form_secret: str | None

    def __repr__(self) -> str:  # never print the secrets
        return "ReceiverSecrets(***)"


class SignatureError(ValueError):
    """Why a request's signature was refused (never contains the secret or the signature)."""


def _hubspot_uri(uri: str) -> str:
    for encoded, char in _HUBSPOT_DECODE.items():
        uri = uri.replace(encoded, char).replace(encoded.lower(), char)
    return uri


def hubspot_v3(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """The v3 signature HubSpot sends for this request."""
    message = method.upper().encode() + _hubspot_uri(uri).encode() + body + timestamp.encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _check_age(timestamp_seconds: float, now: float | None) -> None:
    age = (time.time() if now is None else now) - timestamp_seconds
    if age > MAX_AGE_SECONDS:
        raise SignatureError(f"timestamp is {age:.0f} s old (limit {MAX_AGE_SECONDS} s)")
    if age < -MAX_AGE_SECONDS:
        raise SignatureError("timestamp is in the future")


def verify_hubspot(
    secret: str,
    method: str,
    uri: str,
    body: bytes,
    headers: dict[str, str],
    now: float | None = None,
) -> None:
    """Raise SignatureError unless the request carries a fresh, valid v3 signature."""
    lowered = {k.lower(): v for k, v in headers.items()}
    signature = lowered.get(HUBSPOT_SIGNATURE.lower())
    timestamp = lowered.get(HUBSPOT_TIMESTAMP.lower())
    if not signature or not timestamp:
        raise SignatureError(f"missing {HUBSPOT_SIGNATURE} or {HUBSPOT_TIMESTAMP} header")
    try:
        millis = int(timestamp)
    except ValueError:
        raise SignatureError(f"{HUBSPOT_TIMESTAMP} is not epoch milliseconds") from None
    _check_age(millis / 1000, now)
    expected = hubspot_v3(secret, method, uri, body, timestamp)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise SignatureError("signature does not match")


def sign_form(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers a website sends with a form post (used by `sandbox simulate` and docs)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {FORM_TIMESTAMP: stamp, FORM_SIGNATURE: f"sha256={digest}"}


def verify_form(
    secret: str, body: bytes, headers: dict[str, str], now: float | None = None
) -> None:
    """Raise SignatureError unless the form post carries a fresh, valid shared-secret HMAC."""
    lowered = {k.lower(): v for k, v in headers.items()}
    signature = lowered.get(FORM_SIGNATURE.lower(), "")
    timestamp = lowered.get(FORM_TIMESTAMP.lower(), "")
    if not signature.startswith("sha256=") or not timestamp:
        raise SignatureError(f"missing {FORM_SIGNATURE} (sha256=…) or {FORM_TIMESTAMP} header")
    try:
        seconds = int(timestamp)
    except ValueError:
        raise SignatureError(f"{FORM_TIMESTAMP} is not epoch seconds") from None
    _check_age(seconds, now)
    expected = sign_form(secret, body, seconds)[FORM_SIGNATURE]
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise SignatureError("signature does not match")
