"""Google Ads API (REST) stand-in: googleAds:searchStream and googleAds:search over GAQL.

Contract (as API v26 does it; the `vNN` prefix is judged by sandbox/server/versions.py and
echoed in error type URLs):
- `POST /vNN/customers/{customer_id}/googleAds:searchStream` `{"query"}` → a JSON array of
  batches `{"results":[…],"fieldMask","requestId"}` of at most 10,000 rows (one batch without
  `results` when nothing matches).
- `POST /vNN/customers/{customer_id}/googleAds:search` `{"query","pageToken"?}` → fixed pages of
  10,000 rows with `nextPageToken` (absent on the last page); setting `pageSize` is refused with
  requestError PAGE_SIZE_NOT_SUPPORTED; `returnTotalResultsCount` adds `totalResultsCount`.
- `GET /vNN/customers:listAccessibleCustomers` → `{"resourceNames":["customers/…"]}`.
- Headers: `Authorization: Bearer` (from `POST /token`, Google's OAuth endpoint, also served by
  the GA4 stand-in), `developer-token` (missing/wrong → 401 authenticationError
  DEVELOPER_TOKEN_INVALID), optional `login-customer-id`.
- Errors are google.rpc.Status JSON with a GoogleAdsFailure in `details`: query errors 400
  (queryError), a customer the credentials cannot reach 403 USER_PERMISSION_DENIED, rate limits
  429 RESOURCE_EXHAUSTED (quotaError) without Retry-After.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from contextvars import ContextVar
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from sandbox.server import gaql
from sandbox.server.auth import OAuthError, TokenState
from sandbox.server.common import (
    Endpoint,
    Handler,
    Usage,
    VendorContext,
    VendorError,
    VendorPolicy,
    build_app,
    json_response,
    read_form,
    read_json_body,
)
from sandbox.server.versions import announced, book

PAGE_ROWS = 10_000
# The API version of the current request, for the GoogleAdsFailure type URL of errors.
_version: ContextVar[str] = ContextVar("google_ads_version", default="v26")
_VERSION = re.compile(r"v\d+")
# searchStream answers a JSON array, its errors too: `[{"error": {…}}]`
_streaming: ContextVar[bool] = ContextVar("google_ads_streaming", default=False)

# --------------------------------------------------------------------- Google-wide pieces

GOOGLE_SCOPES = {
    "google_ads": "https://www.googleapis.com/auth/adwords",
    "ga4": "https://www.googleapis.com/auth/analytics.readonly",
}


def google_error(
    code: int, status: str, message: str, details: list[dict[str, Any]] | None = None
) -> Response:
    """A google.rpc.Status error body, as every Google REST API answers."""
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return json_response([{"error": error}] if _streaming.get() else {"error": error}, code)


def unauthenticated() -> Response:
    return google_error(
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
        "cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project.",
    )


def google_token_endpoint(ctx: VendorContext) -> Handler:
    """Google's OAuth 2 token endpoint (refresh_token grant) for the Google Ads and GA4 clients."""

    async def token(request: Request) -> Response:
        form = await read_form(request)
        if form.get("grant_type") != "refresh_token":
            return json_response(
                {
                    "error": "unsupported_grant_type",
                    "error_description": f"Invalid grant_type: {form.get('grant_type', '')}",
                },
                400,
            )
        if not form.get("client_id") or not form.get("refresh_token"):
            return json_response(
                {
                    "error": "invalid_request",
                    "error_description": "Missing required parameter: "
                    + ("client_id" if not form.get("client_id") else "refresh_token"),
                },
                400,
            )
        try:
            client = ctx.auth.client_for_refresh(form, GOOGLE_SCOPES)
        except OAuthError as exc:
            if exc.error == "invalid_client":
                return json_response(
                    {"error": "invalid_client", "error_description": "Unauthorized"}, 401
                )
            return json_response({"error": exc.error, "error_description": "Bad Request"}, 400)
        access_token, expires_in = ctx.issue_token()
        return json_response(
            {
                "access_token": access_token,
                "expires_in": expires_in,
                "scope": GOOGLE_SCOPES[client],
                "token_type": "Bearer",
            }
        )

    return token


# ---------------------------------------------------------------------------- Google Ads


def request_id() -> str:
    return secrets.token_urlsafe(16)


def ads_failure(
    status: int, rpc_status: str, errors: list[dict[str, Any]], message: str | None = None
) -> Response:
    """A Google Ads error: google.rpc.Status with one GoogleAdsFailure detail."""
    failure = {
        "@type": f"type.googleapis.com/google.ads.googleads.{_version.get()}.errors.GoogleAdsFailure",
        "errors": errors,
        "requestId": request_id(),
    }
    default = {
        400: "Request contains an invalid argument.",
        401: "Request is missing required authentication credential.",
        403: "The caller does not have permission",
        429: "Resource has been exhausted (e.g. check quota).",
        500: "Internal error encountered.",
    }
    return google_error(status, rpc_status, message or default.get(status, ""), [failure])


def ads_error(kind: str, code: str, message: str, **extra: Any) -> dict[str, Any]:
    """One GoogleAdsError: `{"errorCode": {kind: code}, "message", …}`."""
    return {"errorCode": {kind: code}, "message": message, **extra}


def query_error(exc: gaql.GaqlError) -> Response:
    extra = {"trigger": {"stringValue": exc.trigger}} if exc.trigger else {}
    return ads_failure(
        400, "INVALID_ARGUMENT", [ads_error("queryError", exc.code, exc.message, **extra)]
    )


class GoogleAdsPolicy(VendorPolicy):
    default_limit = (1_000, 60.0)
    daily_limit = 15_000  # Basic access: operations per day

    def token(self, request: Request) -> str | None:
        version = request.url.path.lstrip("/").split("/", 1)[0]
        if _VERSION.fullmatch(version):
            _version.set(version)
        _streaming.set(request.url.path.endswith(":searchStream"))
        return super().token(request)

    def unauthorized(self, state: TokenState) -> Response:
        return unauthenticated()

    def headers(self, usage: Usage) -> dict[str, str]:
        return announced()  # Sunset/Deprecation near the version's sunset

    def rate_limited(self, retry_after: int | None, usage: Usage) -> Response:
        details = {
            "quotaErrorDetails": {
                "rateScope": "DEVELOPER",
                "rateName": "Number of operations for basic access",
                "retryDelay": f"{retry_after or 1}s",
            }
        }
        error = ads_error(
            "quotaError",
            "RESOURCE_EXHAUSTED",
            f"Too many requests. Retry in {retry_after or 1} seconds.",
            details=details,
        )
        return ads_failure(429, "RESOURCE_EXHAUSTED", [error])

    def server_error(self) -> Response:
        return ads_failure(
            500,
            "INTERNAL",
            [ads_error("internalError", "INTERNAL_ERROR", "An internal error has occurred.")],
        )

    def error(self, status: int, message: str) -> Response:
        if status == 404:
            return google_error(404, "NOT_FOUND", f"Requested entity was not found: {message}")
        if status == 405:
            return google_error(405, "METHOD_NOT_ALLOWED", message)
        return ads_failure(
            status, "INVALID_ARGUMENT", [ads_error("requestError", "UNKNOWN", message)]
        )


def encode_page_token(offset: int, query: str) -> str:
    digest = hashlib.sha256(query.encode()).hexdigest()[:12]
    return base64.urlsafe_b64encode(f"{offset}:{digest}".encode()).decode()


def decode_page_token(token: str, query: str) -> int:
    """The offset a page token stands for; ValueError if it is not one of ours for this query."""
    text = base64.urlsafe_b64decode(token.encode()).decode()
    offset, _, digest = text.partition(":")
    expected = hashlib.sha256(query.encode()).hexdigest()[:12]
    if not offset.isdigit() or not hmac.compare_digest(digest, expected):
        raise ValueError(token)
    return int(offset)


def create_app(ctx: VendorContext) -> Starlette:
    policy = GoogleAdsPolicy()
    creds = ctx.vendor_credentials
    customers = [str(c) for c in creds.get("customer_ids", [])]
    today = ctx.now.date()

    def check_call(request: Request) -> str:
        """The customer id of a valid call; raises VendorError as Google Ads would."""
        version = request.path_params["version"]
        if not _VERSION.fullmatch(version):
            raise VendorError(policy.error(404, request.url.path))
        if book("google_ads").judge(version, today).refused:
            raise VendorError(unsupported_version(version))
        dev_token = request.headers.get("developer-token")
        if not dev_token or not hmac.compare_digest(dev_token, str(creds["developer_token"])):
            raise VendorError(
                ads_failure(
                    401,
                    "UNAUTHENTICATED",
                    [
                        ads_error(
                            "authenticationError",
                            "DEVELOPER_TOKEN_INVALID",
                            "The developer token is not valid."
                            if dev_token
                            else "The developer-token header is missing.",
                        )
                    ],
                )
            )
        customer_id = request.path_params.get("customer_id", "")
        login = request.headers.get("login-customer-id")
        for value in (customer_id, login) if login else (customer_id,):
            if value and not value.isdigit():
                raise VendorError(
                    ads_failure(
                        400,
                        "INVALID_ARGUMENT",
                        [
                            ads_error(
                                "authenticationError",
                                "CLIENT_CUSTOMER_ID_INVALID",
                                f"Client customer ID is not a number: '{value}'.",
                            )
                        ],
                    )
                )
            if value and value not in customers:
                raise VendorError(permission_denied())
        return customer_id

    async def parse_body(request: Request) -> tuple[dict[str, Any], gaql.Query]:
        body = await read_json_body(request, policy)
        if not isinstance(body, dict) or not str(body.get("query", "")).strip():
            raise VendorError(
                ads_failure(
                    400,
                    "INVALID_ARGUMENT",
                    [ads_error("requestError", "REQUIRED_FIELD_MISSING", "The query is empty.")],
                )
            )
        try:
            return body, gaql.parse(str(body["query"]))
        except gaql.GaqlError as exc:
            raise VendorError(query_error(exc)) from None

    def rows(query: gaql.Query, customer_id: str, offset: int = 0, limit: int | None = None):
        sql, params = gaql.compile_query(query, customer_id)
        if limit is not None:
            sql = f"SELECT * FROM ({sql}) LIMIT {limit} OFFSET {offset}"
        render = gaql.row_renderer(query, customer_id)
        return [ctx.faults.drift(render(row)) for row in ctx.db.execute(sql, params).fetchall()]

    async def search_stream(request: Request) -> Response:
        customer_id = check_call(request)
        _, query = await parse_body(request)
        results = rows(query, customer_id)
        rid = request_id()
        batches = [
            {"results": results[i : i + PAGE_ROWS], "fieldMask": query.field_mask, "requestId": rid}
            for i in range(0, len(results), PAGE_ROWS)
        ] or [{"fieldMask": query.field_mask, "requestId": rid}]
        return ctx.page(batches)

    async def search(request: Request) -> Response:
        customer_id = check_call(request)
        body, query = await parse_body(request)
        if body.get("pageSize") not in (None, 0, "0"):
            return ads_failure(
                400,
                "INVALID_ARGUMENT",
                [
                    ads_error(
                        "requestError",
                        "PAGE_SIZE_NOT_SUPPORTED",
                        "Setting the page size is not supported. Search Responses will have "
                        f"fixed page size of '{PAGE_ROWS}' rows.",
                    )
                ],
            )
        text = str(body["query"])
        try:
            offset = decode_page_token(body["pageToken"], text) if body.get("pageToken") else 0
        except (ValueError, UnicodeDecodeError):
            return ads_failure(
                400,
                "INVALID_ARGUMENT",
                [ads_error("requestError", "INVALID_PAGE_TOKEN", "Page token is invalid.")],
            )
        page = rows(query, customer_id, offset, PAGE_ROWS + 1)
        out: dict[str, Any] = {"results": page[:PAGE_ROWS], "fieldMask": query.field_mask}
        if not out["results"]:
            del out["results"]
        if len(page) > PAGE_ROWS:
            out["nextPageToken"] = encode_page_token(offset + PAGE_ROWS, text)
        if body.get("returnTotalResultsCount"):
            sql, params = gaql.compile_query(query, customer_id)
            total = ctx.db.execute(f"SELECT COUNT(*) FROM ({sql})", params).fetchone()
            out["totalResultsCount"] = str(total[0] if total else 0)
        out["requestId"] = request_id()
        return ctx.page(out)

    async def accessible_customers(request: Request) -> Response:
        check_call(request)
        return ctx.json({"resourceNames": [f"customers/{c}" for c in customers]})

    return build_app(
        ctx,
        policy,
        [
            Endpoint(
                "/{version}/customers/{customer_id}/googleAds:searchStream",
                search_stream,
                ("POST",),
            ),
            Endpoint("/{version}/customers/{customer_id}/googleAds:search", search, ("POST",)),
            Endpoint("/{version}/customers:listAccessibleCustomers", accessible_customers),
            Endpoint("/token", google_token_endpoint(ctx), ("POST",), public=True),
        ],
    )


def unsupported_version(version: str) -> Response:
    """A sunset (or never released) version, as Google Ads refuses it."""
    message = f"Version {version} is deprecated. Requests to this version will be blocked."
    return ads_failure(
        400, "INVALID_ARGUMENT", [ads_error("requestError", "UNSUPPORTED_VERSION", message)]
    )


def permission_denied() -> Response:
    return ads_failure(
        403,
        "PERMISSION_DENIED",
        [
            ads_error(
                "authorizationError",
                "USER_PERMISSION_DENIED",
                "User doesn't have permission to access customer. Note: If you're accessing a "
                "client customer, the manager's customer id must be set in the "
                "'login-customer-id' header. See "
                "https://developers.google.com/google-ads/api/docs/concepts/call-structure#cid",
            )
        ],
    )
