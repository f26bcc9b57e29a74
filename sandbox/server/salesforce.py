"""Salesforce REST stand-in (HTTPS): OAuth, versions, describe, SOQL query/queryAll, collections.

Errors are Salesforce's JSON arrays `[{"message","errorCode","fields"?}]`; every response carries
`Sforce-Limit-Info: api-usage=N/15000`. Salesforce has no 429: both of its request limits answer
403 REQUEST_LIMIT_EXCEEDED without Retry-After, told apart by the message: the 24-hour allowance
used up (the rate_limit fault) says "TotalRequests Limit exceeded.", the concurrent-request limit
(a burst_429 fault: too many long-running requests at once) says "ConcurrentRequests (Concurrent
API Requests) Limit exceeded" (help.salesforce.com article 000389067). URLs
longer than 16,384 characters answer 414. Any `vNN.N` API version is accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from sandbox.server.auth import OAuthError, TokenState
from sandbox.server.common import (
    Endpoint,
    Usage,
    VendorContext,
    VendorError,
    VendorPolicy,
    build_app,
    json_response,
    read_form,
    read_json_body,
)
from sandbox.server.salesforce_query import QueryEngine, batch_size
from sandbox.server.salesforce_schema import SObject, load_sobjects
from sandbox.server.salesforce_write import MAX_RECORDS, Writer
from sandbox.server.soql import SoqlError

MAX_URL = 16_384
VERSIONS = ("58.0", "59.0", "60.0", "61.0", "62.0", "63.0", "64.0")
ORG_ID = "00D000000000001EAA"
USER_ID = "005000000000001AAA"
JWT_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_ERROR_CODES = {400: "MALFORMED_QUERY", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
                414: "URI_TOO_LONG"}  # fmt: skip


def sf_error(status: int, code: str, message: str) -> Response:
    return json_response([{"message": message, "errorCode": code}], status)


class SalesforcePolicy(VendorPolicy):
    default_limit = (15_000, 86_400.0)
    daily_limit = 15_000

    def unauthorized(self, state: TokenState) -> Response:
        return sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid")

    def rate_limited(self, retry_after: int | None, usage: Usage) -> Response:
        if usage.daily_used > usage.daily_limit:  # the allowance (rate_limit fault) is used up
            return sf_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        # a burst (burst_429 fault): too many long-running requests at once, over in a moment
        return sf_error(403, "REQUEST_LIMIT_EXCEEDED", CONCURRENT_LIMIT_MESSAGE)

    def server_error(self) -> Response:
        return sf_error(
            500,
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred. Please include this ErrorId if you contact support: "
            "1234567890-12345 (-1234567890)",
        )

    def error(self, status: int, message: str) -> Response:
        return sf_error(status, _ERROR_CODES.get(status, "UNKNOWN_EXCEPTION"), message)

    def headers(self, usage: Usage) -> dict[str, str]:
        return {"Sforce-Limit-Info": f"api-usage={usage.daily_used}/{usage.daily_limit}"}


CONCURRENT_LIMIT_MESSAGE = "ConcurrentRequests (Concurrent API Requests) Limit exceeded"


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_jwt(assertion: str, credentials: dict[str, Any], token_url: str) -> None:
    """Check a JWT bearer assertion: RS256 by the org's key, iss/sub/aud/exp (OAuthError if not)."""
    try:
        header_b64, payload_b64, signature_b64 = assertion.split(".")
        header = orjson.loads(_b64url(header_b64))
        claims = orjson.loads(_b64url(payload_b64))
        signature = _b64url(signature_b64)
    except ValueError:
        raise OAuthError("invalid_grant", "invalid assertion") from None
    pem = credentials.get("private_key")
    if header.get("alg") != "RS256" or not pem:
        raise OAuthError("invalid_grant", "invalid assertion: RS256 expected")
    public_key = serialization.load_pem_private_key(pem.encode(), password=None).public_key()
    try:
        public_key.verify(  # type: ignore[call-arg]
            signature,
            f"{header_b64}.{payload_b64}".encode(),
            padding.PKCS1v15(),  # type: ignore[arg-type]
            hashes.SHA256(),  # type: ignore[arg-type]
        )
    except InvalidSignature:
        raise OAuthError("invalid_grant", "invalid assertion signature") from None
    if claims.get("iss") != credentials.get("client_id"):
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if claims.get("sub") != credentials.get("username"):
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")
    if claims.get("aud") not in (*JWT_AUDIENCES, token_url):
        raise OAuthError("invalid_grant", "audience is invalid")
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] < time.time():
        raise OAuthError("invalid_grant", "expired authorization code")


def create_app(ctx: VendorContext) -> Starlette:
    policy = SalesforcePolicy()
    sobjects = load_sobjects(ctx.db)
    writer = Writer(ctx.db, sobjects, ctx.now)
    engine = QueryEngine(ctx.db, sobjects, lambda record: ctx.faults.drift(record))

    def sobject(name: str) -> SObject:
        found = sobjects.get(name.lower())
        if found is None:
            raise VendorError(sf_error(404, "NOT_FOUND", "The requested resource does not exist"))
        return found

    async def token(request: Request) -> Response:
        form = await read_form(request)
        grant = form.get("grant_type")
        creds = ctx.vendor_credentials
        try:
            if grant == "refresh_token":
                ctx.auth.client_for_refresh(form, ["salesforce"])
            elif grant == "client_credentials":
                ctx.auth.client(form, ["salesforce"])
            elif grant == JWT_GRANT:
                verify_jwt(form.get("assertion", ""), creds, f"{ctx.base_url}")
            else:
                raise OAuthError("unsupported_grant_type", "grant type not supported")
        except OAuthError as exc:
            description = {"invalid_grant": "expired access/refresh token"}.get(
                exc.error, exc.description
            ) if grant == "refresh_token" else exc.description  # fmt: skip
            return json_response({"error": exc.error, "error_description": description}, 400)
        access_token, _ = ctx.issue_token()
        issued_at = str(int(time.time() * 1000))
        identity = f"{ctx.base_url}/id/{ORG_ID}/{USER_ID}"
        signature = base64.b64encode(
            hmac.new(str(creds.get("client_secret", "")).encode(),
                     (identity + issued_at).encode(), hashlib.sha256).digest()
        ).decode()  # fmt: skip
        return json_response(
            {"access_token": access_token, "instance_url": ctx.base_url, "id": identity,
             "token_type": "Bearer", "issued_at": issued_at, "signature": signature,
             "scope": "api refresh_token"}
        )  # fmt: skip

    async def versions(request: Request) -> Response:
        return json_response(
            [{"label": f"v{v}", "url": f"/services/data/v{v}", "version": v} for v in VERSIONS]
        )

    async def resources(request: Request) -> Response:
        base = f"/services/data/v{request.path_params['version']}"
        names = ("sobjects", "query", "queryAll", "composite", "limits")
        return json_response({name: f"{base}/{name}" for name in names})

    async def limits(request: Request) -> Response:
        usage = ctx.faults.usage()
        return json_response(
            {"DailyApiRequests": {"Max": usage.daily_limit,
                                  "Remaining": max(usage.daily_limit - usage.daily_used, 0)}}
        )  # fmt: skip

    async def sobject_list(request: Request) -> Response:
        version = f"v{request.path_params['version']}"
        return json_response(
            {"encoding": "UTF-8", "maxBatchSize": MAX_RECORDS, "sobjects": [
                {"name": s.name, "label": s.name, "keyPrefix": s.key_prefix, "custom": False,
                 "queryable": True, "updateable": True, "createable": True, "deletable": True,
                 "urls": {"sobject": f"/services/data/{version}/sobjects/{s.name}",
                          "describe": f"/services/data/{version}/sobjects/{s.name}/describe"}}
                for s in sobjects.values()]}
        )  # fmt: skip

    async def describe(request: Request) -> Response:
        s = sobject(request.path_params["sobject"])
        version = f"v{request.path_params['version']}"
        return json_response(
            {"name": s.name, "label": s.name, "keyPrefix": s.key_prefix, "custom": False,
             "queryable": True, "updateable": True, "createable": True,
             "fields": [f.describe() for f in s.fields.values()],
             "urls": {"describe": f"/services/data/{version}/sobjects/{s.name}/describe"}}
        )  # fmt: skip

    def run(request: Request, include_deleted: bool) -> Response:
        if len(request.url.path) + len(request.url.query) + 1 > MAX_URL:
            raise VendorError(
                sf_error(
                    414, "URI_TOO_LONG", f"The request URI is longer than {MAX_URL} characters"
                )
            )
        version = f"v{request.path_params['version']}"
        soql = request.query_params.get("q")
        if not soql:
            raise VendorError(
                sf_error(400, "MALFORMED_QUERY", "A query string has to be specified")
            )
        try:
            cursor = engine.start(
                soql, include_deleted, batch_size(request.headers.get("sforce-query-options"))
            )
            return ctx.page(engine.fetch(cursor, 0, version))
        except SoqlError as exc:
            raise VendorError(sf_error(400, exc.code, exc.message)) from None

    async def query(request: Request) -> Response:
        return run(request, include_deleted=False)

    async def query_all(request: Request) -> Response:
        return run(request, include_deleted=True)

    async def query_more(request: Request) -> Response:
        version = f"v{request.path_params['version']}"
        try:
            cursor, start = engine.resume(request.path_params["locator"])
        except SoqlError as exc:
            raise VendorError(sf_error(400, exc.code, exc.message)) from None
        return ctx.page(engine.fetch(cursor, start, version))

    async def records_of(request: Request) -> tuple[list[Any], bool]:
        body = await read_json_body(request, policy)
        records = body.get("records") if isinstance(body, dict) else None
        if not isinstance(records, list) or not records:
            raise VendorError(
                sf_error(
                    400, "JSON_PARSER_ERROR", "The request body needs a non-empty `records` list"
                )
            )
        if len(records) > MAX_RECORDS:
            raise VendorError(sf_error(400, "EXCEEDED_ID_LIMIT",
                              f"record limit reached. cannot submit more than {MAX_RECORDS} records into this call"))  # fmt: skip
        return records, bool(body.get("allOrNone", False))

    async def collection_update(request: Request) -> Response:
        records, all_or_none = await records_of(request)
        return json_response(writer.apply(records, all_or_none, writer.update_one))

    async def collection_create(request: Request) -> Response:
        records, all_or_none = await records_of(request)
        return json_response(writer.apply(records, all_or_none, writer.create_one))

    async def collection_upsert(request: Request) -> Response:
        s = sobject(request.path_params["sobject"])
        name = request.path_params["field"]
        key_field = s.field(name)
        if key_field is None or not (key_field.external_id or key_field.name == "Id"):
            raise VendorError(sf_error(400, "INVALID_FIELD",
                              f"Field name provided, {name} is not an External ID or indexed field for {s.name}"))  # fmt: skip
        records, all_or_none = await records_of(request)
        return json_response(
            writer.apply(records, all_or_none, lambda r: writer.upsert_one(s, key_field, r))
        )

    async def collection_delete(request: Request) -> Response:
        ids = [i for i in request.query_params.get("ids", "").split(",") if i]
        if not ids:
            raise VendorError(sf_error(400, "MISSING_ARGUMENT", "ids parameter is required"))
        if len(ids) > MAX_RECORDS:
            raise VendorError(sf_error(400, "EXCEEDED_ID_LIMIT",
                              f"record limit reached. cannot submit more than {MAX_RECORDS} records into this call"))  # fmt: skip
        all_or_none = request.query_params.get("allOrNone", "false").lower() == "true"
        return json_response(writer.apply([{"id": i} for i in ids], all_or_none, writer.delete_one))

    async def sandbox_campaigns(request: Request) -> Response:
        """Sandbox only (not Salesforce's): the Campaign names, for `sandbox simulate`'s UTMs."""
        rows = ctx.db.execute(
            'SELECT "Name" FROM salesforce_campaign WHERE NOT "IsDeleted" ORDER BY "Name"'
        ).fetchall()
        return json_response({"names": [r[0] for r in rows]})

    data = "/services/data/v{version}"
    return build_app(
        ctx,
        policy,
        [
            Endpoint("/services/oauth2/token", token, ("POST",), public=True),
            Endpoint("/_sandbox/campaigns", sandbox_campaigns, public=True),
            Endpoint("/services/data", versions, public=True),
            Endpoint("/services/data/", versions, public=True),
            Endpoint(data, resources),
            Endpoint(f"{data}/", resources),
            Endpoint(f"{data}/limits", limits),
            Endpoint(f"{data}/sobjects", sobject_list),
            Endpoint(f"{data}/sobjects/", sobject_list),
            Endpoint(data + "/sobjects/{sobject}/describe", describe),
            Endpoint(data + "/sobjects/{sobject}/describe/", describe),
            Endpoint(f"{data}/query", query),
            Endpoint(f"{data}/query/", query),
            Endpoint(data + "/query/{locator}", query_more),
            Endpoint(f"{data}/queryAll", query_all),
            Endpoint(f"{data}/queryAll/", query_all),
            Endpoint(data + "/queryAll/{locator}", query_more),
            Endpoint(f"{data}/composite/sobjects", collection_update, ("PATCH",)),
            Endpoint(f"{data}/composite/sobjects", collection_create, ("POST",)),
            Endpoint(f"{data}/composite/sobjects", collection_delete, ("DELETE",)),
            Endpoint(data + "/composite/sobjects/{sobject}/{field}", collection_upsert, ("PATCH",)),
        ],
    )
