"""No secret value reaches a log record or an exception message."""

from __future__ import annotations

import logging

import pytest

from connectors.http.auth import ApiKey, OAuth2RefreshToken
from connectors.http.errors import VendorError
from connectors.http.redaction import RedactingFilter, Redactor
from connectors.hubspot import HubSpotPolicy
from tests.connectors.conftest import Reply


def test_registered_secrets_and_their_url_encodings_are_masked():
    redactor = Redactor()
    redactor.register("s3cr3t/+=value", None, "abc")  # too short to register: "abc"
    text = "a s3cr3t/+=value b s3cr3t%2F%2B%3Dvalue c s3cr3t%2F%2B%3Dvalue abc"
    assert redactor.scrub(text) == "a *** b *** c *** abc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer eyJhbGciOi.x-y_z", "Authorization: ***"),
        ("sent Bearer abcdef123456 upstream", "sent Bearer *** upstream"),
        ("GET /x?access_token=EAAB123&limit=5", "GET /x?access_token=***&limit=5"),
        (
            "GET /x?key=AIzaXYZ&client_secret=shh&alt=json",
            "GET /x?key=***&client_secret=***&alt=json",
        ),
        (
            '{"refresh_token": "1//0abc", "expires_in": 3600}',
            '{"refresh_token": "***", "expires_in": 3600}',
        ),
        (
            "POST https://hooks.slack.com/services/T0/B0/XyZ",
            "POST https://hooks.slack.com/services/***",
        ),
        ("monkey=1&keyword=2", "monkey=1&keyword=2"),
    ],
)
def test_generic_credential_shapes_are_masked(text, expected):
    assert Redactor().scrub(text) == expected


def test_filter_scrubs_args_and_exception_text():
    redactor = Redactor()
    redactor.register("tok-secret-1")
    record = logging.LogRecord(
        "connectors.x", logging.INFO, __file__, 1, "using %s", ("tok-secret-1",), None
    )
    try:
        raise ValueError("boom tok-secret-1")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    RedactingFilter(redactor).filter(record)
    assert record.getMessage() == "using ***"
    assert "tok-secret-1" not in record.exc_text and "boom ***" in record.exc_text


def test_no_secret_in_logs_or_exceptions_across_a_whole_session(stub, make_transport, caplog):
    caplog.set_level(logging.DEBUG)
    secrets = ["client-secret-value", "refresh-0-secretvalue", "meta-token-value"]
    oauth = OAuth2RefreshToken(
        f"{stub.url}/token", "client-1", secrets[0], secrets[1], policy=HubSpotPolicy()
    )
    hubspot = make_transport(auth=oauth)
    meta = make_transport("meta_ads", auth=ApiKey(secrets[2], query_param="access_token"))
    errors: list[VendorError] = []

    hubspot.get_json("/protected")  # token obtained (access-1, refresh-1 issued)
    stub.issued += 1  # revoked: the next call refreshes
    hubspot.get_json("/protected")
    stub.script("/fail", Reply(500), Reply(400, {"message": "bad echo client-secret-value"}))
    stub.script(
        "/act_1/insights", Reply(503), Reply(403, {"error": {"message": "no", "code": 200}})
    )
    for call in (lambda: hubspot.get_json("/fail"), lambda: meta.get_json("/act_1/insights")):
        try:
            call()
        except VendorError as exc:
            errors.append(exc)

    issued = [f"access-{n}-secretvalue" for n in (1, 3)] + [
        f"refresh-{n}-secretvalue" for n in (1, 3)
    ]
    assert len(errors) == 2
    text = caplog.text + "\n".join(str(e) + repr(e.vendor_message) for e in errors)
    assert "access_token=***" in caplog.text  # httpx's own request log is scrubbed too
    for secret in secrets + issued:
        assert secret not in text
