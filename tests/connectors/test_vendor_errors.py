"""Each vendor's 400/403 bodies become errors that name the request and what the vendor said."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from connectors.http.errors import AuthenticationFailed, BadRequest, PermissionDenied
from connectors.http.status import parse_retry_after
from tests.connectors.conftest import Reply

FORBIDDEN = {
    "hubspot": (
        {
            "status": "error",
            "message": "This app hasn't been granted all required scopes to make this call.",
            "category": "MISSING_SCOPES",
            "errors": [
                {
                    "message": "One or more of the following scopes are required.",
                    "context": {"requiredGranularScopes": ["crm.objects.contacts.read"]},
                }
            ],
        },
        ("crm.objects.contacts.read",),
    ),
    "salesforce": (
        [
            {
                "message": "insufficient access rights on object id",
                "errorCode": "INSUFFICIENT_ACCESS_OR_READONLY",
                "fields": ["Lead_Score__c"],
            }
        ],
        ("Lead_Score__c",),
    ),
    "google_ads": (
        {
            "error": {
                "code": 403,
                "message": "The caller does not have permission",
                "status": "PERMISSION_DENIED",
                "details": [
                    {
                        "@type": "type.googleapis.com/google.ads.googleads.v21.errors.GoogleAdsFailure",
                        "errors": [
                            {
                                "errorCode": {"authorizationError": "USER_PERMISSION_DENIED"},
                                "message": "User doesn't have permission to access customer.",
                            }
                        ],
                    }
                ],
            }
        },
        ("USER_PERMISSION_DENIED",),
    ),
    "ga4": (
        {
            "error": {
                "code": 403,
                "message": "User does not have sufficient permissions for this property.",
                "status": "PERMISSION_DENIED",
            }
        },
        ("PERMISSION_DENIED",),
    ),
    "linkedin_ads": (
        {
            "status": 403,
            "serviceErrorCode": 100,
            "code": "ACCESS_DENIED",
            "message": "Not enough permissions to access: adAnalytics.FINDER-analytics.20251001",
        },
        ("adAnalytics.FINDER-analytics.20251001",),
    ),
}


@pytest.mark.parametrize("vendor", sorted(FORBIDDEN))
def test_403_names_the_missing_permission(stub, make_transport, vendor):
    body, missing = FORBIDDEN[vendor]
    stub.script("/thing", Reply(403, body))
    with pytest.raises(PermissionDenied) as caught:
        make_transport(vendor).get_json("/thing", params={"id": "7"})
    error = caught.value
    assert error.missing == missing
    assert error.vendor == vendor and error.status == 403 and not error.retryable
    assert f"{vendor}: GET /thing?id=7 failed (HTTP 403)" in str(error)
    assert "missing: " + ", ".join(missing) in str(error)
    assert len(stub.hits("/thing")) == 1


BAD = {
    "hubspot": (
        {
            "status": "error",
            "message": "Property values were not valid",
            "category": "VALIDATION_ERROR",
            "correlationId": "c-1",
        },
        "Property values were not valid",
    ),
    "salesforce": (
        [{"message": "unexpected token: FORM", "errorCode": "MALFORMED_QUERY"}],
        "unexpected token: FORM",
    ),
    "google_ads": (
        [
            {
                "error": {
                    "code": 400,
                    "message": "Request contains an invalid argument.",
                    "status": "INVALID_ARGUMENT",
                    "details": [
                        {
                            "@type": "type.googleapis.com/google.ads.googleads.v21.errors.GoogleAdsFailure",
                            "errors": [
                                {
                                    "errorCode": {"queryError": "UNRECOGNIZED_FIELD"},
                                    "message": "Unrecognized field in the query: 'campaign.nme'.",
                                }
                            ],
                        }
                    ],
                }
            }
        ],
        "Unrecognized field in the query: 'campaign.nme'.",
    ),
    "ga4": (
        {
            "error": {
                "code": 400,
                "message": "Field sesions is not a valid metric.",
                "status": "INVALID_ARGUMENT",
            }
        },
        "Field sesions is not a valid metric.",
    ),
    "meta_ads": (
        {
            "error": {
                "message": "(#100) Invalid parameter",
                "type": "OAuthException",
                "code": 100,
                "fbtrace_id": "A1",
            }
        },
        "(#100) Invalid parameter",
    ),
    "linkedin_ads": (
        {
            "status": 400,
            "serviceErrorCode": 100,
            "code": "ILLEGAL_ARGUMENT",
            "message": "Invalid dateRange",
        },
        "Invalid dateRange",
    ),
}


@pytest.mark.parametrize("vendor", sorted(BAD))
def test_400_names_the_request_and_the_vendor_message(stub, make_transport, vendor):
    body, message = BAD[vendor]
    stub.script("/thing", Reply(400, body))
    with pytest.raises(BadRequest) as caught:
        make_transport(vendor).post_json("/thing", {"a": 1})
    assert caught.value.vendor_message == message
    assert str(caught.value).startswith(
        f"{vendor}: POST /thing failed (HTTP 400); vendor says: {message}"
    )
    assert len(stub.hits("/thing")) == 1


@pytest.mark.parametrize("status", [404, 409, 422])
def test_other_client_errors_are_bad_requests(stub, make_transport, status):
    stub.script("/thing", Reply(status, {"message": "no such object"}))
    with pytest.raises(BadRequest, match="no such object"):
        make_transport().get_json("/thing")


def test_meta_invalid_token_is_an_authentication_failure(stub, make_transport):
    body = {
        "error": {"message": "Error validating access token", "type": "OAuthException", "code": 190}
    }
    stub.script("/me", Reply(400, body))
    with pytest.raises(AuthenticationFailed, match="Error validating access token"):
        make_transport("meta_ads").get_json("/me")


def test_retry_after_http_date():
    when = datetime.now(UTC) + timedelta(seconds=30)
    assert 28 <= parse_retry_after(format_datetime(when, usegmt=True)) <= 30
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None
