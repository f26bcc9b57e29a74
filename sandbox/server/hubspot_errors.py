"""HubSpot's error bodies, 401/429/5xx answers and rate-limit headers (the stand-in's policy).

Errors are `{"status":"error","message","correlationId","category"}`; every response carries the
`X-HubSpot-RateLimit-*` headers (private app: 190 requests per 10 s; daily here 250,000); a 429
names its policy (TEN_SECONDLY_ROLLING, SECONDLY, DAILY) and carries Retry-After when set.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response

from sandbox.server.auth import TokenState
from sandbox.server.common import Usage, VendorPolicy, json_response

_CATEGORIES = {400: "VALIDATION_ERROR", 404: "OBJECT_NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
               414: "VALIDATION_ERROR", 409: "CONFLICT"}  # fmt: skip


def error_body(message: str, category: str, **extra: Any) -> dict[str, Any]:
    return {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category,
        **extra,
    }


class HubSpotPolicy(VendorPolicy):
    default_limit = (190, 10.0)
    daily_limit = 250_000

    def unauthorized(self, state: TokenState) -> Response:
        if state is TokenState.EXPIRED:
            body = error_body(
                "The OAuth token used to make this call expired. Refresh it and retry.",
                "EXPIRED_AUTHENTICATION",
            )
        else:
            body = error_body(
                "Authentication credentials not found. This API supports OAuth 2.0 "
                "authentication and you can find more details at "
                "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                "INVALID_AUTHENTICATION",
            )
        return json_response(body, 401)

    def rate_limited(self, retry_after: int | None, usage: Usage) -> Response:
        if usage.interval_s >= 86_400:
            policy, limit_name = "DAILY", "daily"
        elif usage.interval_s <= 1:
            policy, limit_name = "SECONDLY", "secondly"
        else:
            policy, limit_name = "TEN_SECONDLY_ROLLING", "ten_secondly_rolling"
        body = {
            "status": "error",
            "message": f"You have reached your {limit_name} limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": str(uuid.uuid4()),
            "policyName": policy,
            "groupName": "publicapi:private-app",
        }
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return json_response(body, 429, headers)

    def server_error(self) -> Response:
        return json_response(error_body("internal error", "INTERNAL_ERROR"), 500)

    def error(self, status: int, message: str) -> Response:
        return json_response(error_body(message, _CATEGORIES.get(status, "ERROR")), status)

    def headers(self, usage: Usage) -> dict[str, str]:
        return {
            "X-HubSpot-RateLimit-Max": str(usage.limit),
            "X-HubSpot-RateLimit-Remaining": str(usage.remaining),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(usage.interval_s * 1000)),
            "X-HubSpot-RateLimit-Daily": str(usage.daily_limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(
                max(usage.daily_limit - usage.daily_used, 0)
            ),
        }
