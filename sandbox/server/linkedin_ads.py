"""LinkedIn Marketing API stand-in: adAnalytics, ad campaigns and campaign groups, OAuth refresh.

Contract (versioned `/rest` API, Rest.li 2.0 syntax — see restli.py):
- `GET /rest/adAnalytics?q=analytics&pivot=CAMPAIGN|CAMPAIGN_GROUP|ACCOUNT&timeGranularity=DAILY|ALL
  &dateRange=(start:(year:2026,month:1,day:1),end:(…))&accounts=List(urn%3Ali%3AsponsoredAccount%3A1)
  &fields=impressions,clicks,costInLocalCurrency,oneClickLeads,dateRange,pivotValues`
  (facets: accounts, campaignGroups, campaigns) → `{"elements":[…],"paging":{…}}`. No
  pagination: more than 15,000 elements is refused, so clients split by date range.
  costInLocalCurrency/costInUsd are strings, counts are numbers.
- `GET /rest/adAccounts/{id}/adCampaigns|adCampaignGroups?q=search[&search=(status:(values:List(…)))]`
  with cursor paging: `pageSize` (default 100, max 1000) and `pageToken` →
  `metadata.nextPageToken` (absent on the last page).
- `POST /oauth/v2/accessToken` (refresh_token grant).
- Headers: `LinkedIn-Version: YYYYMM` (missing → 400 VERSION_MISSING; sunset or unknown on the sandbox
  clock → 426 NONEXISTENT_VERSION, sandbox/server/versions.py), `X-Restli-Protocol-Version:
  2.0.0` (required once Rest.li 2.0 structures are used). Errors are
  `{"status","serviceErrorCode"?,"code","message"}`; the rate limit is a 429 without Retry-After.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

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
)
from sandbox.server.restli import RestliError, parse_value, raw_params
from sandbox.server.versions import announced, book

MAX_ELEMENTS = 15_000
ANALYTICS_FIELDS = (
    "impressions",
    "clicks",
    "costInLocalCurrency",
    "costInUsd",
    "oneClickLeads",
    "landingPageClicks",  # the world's ad clicks all land on a page (UTM-tagged sessions)
    "externalWebsiteConversions",  # no Insight Tag conversions in the world: 0
    "dateRange",
    "pivotValues",
)
DEFAULT_FIELDS = ("impressions", "clicks", "dateRange", "pivotValues")
# pivot → (SQL key, URN prefix)
PIVOTS = {
    "CAMPAIGN": ("d.campaign_id", "urn:li:sponsoredCampaign:"),
    "CAMPAIGN_GROUP": ("c.campaign_group_id", "urn:li:sponsoredCampaignGroup:"),
    "ACCOUNT": ("d.account_id", "urn:li:sponsoredAccount:"),
}
# facet parameter → (SQL column, URN prefix)
FACETS = {
    "accounts": ("d.account_id", "urn:li:sponsoredAccount:"),
    "campaignGroups": ("c.campaign_group_id", "urn:li:sponsoredCampaignGroup:"),
    "campaigns": ("d.campaign_id", "urn:li:sponsoredCampaign:"),
}
_VERSION = re.compile(r"\d{6}(\.\d{2})?")


def li_error(status: int, code: str, message: str, service_code: int | None = None) -> Response:
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if service_code is not None:
        body["serviceErrorCode"] = service_code
    return json_response(body, status)


def bad_request(message: str) -> VendorError:
    return VendorError(li_error(400, "ILLEGAL_ARGUMENT", message, 100))


class LinkedInPolicy(VendorPolicy):
    default_limit = (100, 60.0)

    def unauthorized(self, state: TokenState) -> Response:
        if state is TokenState.EXPIRED:
            return li_error(
                401, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired", 65601
            )
        return li_error(401, "INVALID_ACCESS_TOKEN", "Invalid access token", 65600)

    def rate_limited(self, retry_after: int | None, usage: Usage) -> Response:
        return li_error(
            429,
            "TOO_MANY_REQUESTS",
            "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
        )

    def server_error(self) -> Response:
        return li_error(500, "INTERNAL_SERVER_ERROR", "Internal Server Error")

    def headers(self, usage: Usage) -> dict[str, str]:
        return announced()  # Sunset/Deprecation near the version's sunset

    def error(self, status: int, message: str) -> Response:
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "ILLEGAL_ARGUMENT")
        return li_error(status, code, message)


# ------------------------------------------------------------------------------ adAnalytics


@dataclass(frozen=True)
class AnalyticsRequest:
    pivot: str
    daily: bool
    start: date
    end: date
    facets: dict[str, list[int]]  # facet → ids
    fields: tuple[str, ...]


def _date(value: Any, name: str) -> date:
    try:
        return date(int(value["year"]), int(value["month"]), int(value["day"]))
    except (KeyError, TypeError, ValueError):
        raise bad_request(f"Invalid value for param dateRange.{name}: {value!r}") from None


def parse_analytics(params: dict[str, str], today: date) -> AnalyticsRequest:
    """Validate adAnalytics parameters (raw, still-encoded values); raises VendorError."""
    if params.get("q") != "analytics":
        raise bad_request(
            f"Invalid finder q={params.get('q', '')!r}; this endpoint serves q=analytics"
        )
    pivot = params.get("pivot", "")
    if pivot not in PIVOTS:
        raise bad_request(
            f"Invalid value for param pivot: {pivot!r}; accepted: {', '.join(PIVOTS)}"
        )
    granularity = params.get("timeGranularity", "")
    if granularity not in ("DAILY", "ALL"):
        raise bad_request(
            f"Invalid value for param timeGranularity: {granularity!r}; accepted: DAILY, ALL"
        )
    try:
        window = parse_value(params.get("dateRange", ""), "dateRange")
        facets = {name: parse_value(params[name], name) for name in FACETS if name in params}
    except RestliError as exc:
        raise bad_request(str(exc)) from None
    if not isinstance(window, dict) or "start" not in window:
        raise bad_request("Param dateRange is required: dateRange=(start:(year:…,month:…,day:…))")
    start = _date(window["start"], "start")
    end = _date(window["end"], "end") if "end" in window else today
    if start > end:
        raise bad_request("Invalid dateRange: start is after end")
    if not facets:
        raise bad_request("One of the facets accounts, campaignGroups or campaigns is required")
    ids: dict[str, list[int]] = {}
    for name, urns in facets.items():
        prefix = FACETS[name][1]
        if not isinstance(urns, list) or not all(
            isinstance(u, str) and u.startswith(prefix) and u[len(prefix) :].isdigit() for u in urns
        ):
            raise bad_request(f"Invalid value for param {name}: expected List({prefix}<id>,…)")
        ids[name] = [int(u[len(prefix) :]) for u in urns]
    fields = tuple(f for f in params.get("fields", "").split(",") if f) or DEFAULT_FIELDS
    unknown = [f for f in fields if f not in ANALYTICS_FIELDS]
    if unknown:
        raise bad_request(f"Invalid value for param fields: {', '.join(unknown)}")
    return AnalyticsRequest(pivot, granularity == "DAILY", start, end, ids, fields)


def analytics_sql(req: AnalyticsRequest, account_ids: list[int]) -> tuple[str, list[Any]]:
    """SQL returning (pivot id, day or NULL, impressions, clicks, cost, leads), capped + 1.

    Only `account_ids` (the accounts the token may read) are ever counted.
    """
    key = PIVOTS[req.pivot][0]
    day = "d.date" if req.daily else "NULL::DATE"
    marks = ", ".join("?" for _ in account_ids) or "NULL"
    where = ["d.date BETWEEN ? AND ?", f"d.account_id IN ({marks})"]
    args: list[Any] = [req.start, req.end, *account_ids]
    for name, ids in req.facets.items():
        where.append(f"{FACETS[name][0]} IN ({', '.join('?' for _ in ids)})")
        args.extend(ids)
    group = f"{key}, d.date" if req.daily else key
    sql = (
        f"SELECT {key}, {day}, SUM(d.impressions), SUM(d.clicks), "
        "SUM(d.cost_in_local_currency), SUM(d.one_click_leads) FROM linkedin_campaign_daily d "
        "JOIN linkedin_campaigns c ON c.account_id = d.account_id AND c.id = d.campaign_id "
        f"WHERE {' AND '.join(where)} GROUP BY {group} "
        f"ORDER BY {'d.date, ' if req.daily else ''}{key} LIMIT {MAX_ELEMENTS + 1}"
    )
    return sql, args


def _li_date(day: date) -> dict[str, int]:
    return {"year": day.year, "month": day.month, "day": day.day}


def render_element(req: AnalyticsRequest, row: tuple[Any, ...]) -> dict[str, Any]:
    key, day, impressions, clicks, cost, leads = row
    cost_text = format(Decimal(str(cost)).normalize(), "f")
    values = {
        "pivotValues": [f"{PIVOTS[req.pivot][1]}{key}"],
        "dateRange": {
            "start": _li_date(day or req.start),
            "end": _li_date(day or req.end),
        },
        "impressions": int(impressions),
        "clicks": int(clicks),
        "costInLocalCurrency": cost_text,
        "costInUsd": cost_text,
        "oneClickLeads": int(leads),
        "landingPageClicks": int(clicks),
        "externalWebsiteConversions": 0,
    }
    return {f: values[f] for f in req.fields}


# ------------------------------------------------------------------------- campaign search

# entity path → (table, the columns render_entity expects)
ENTITIES: dict[str, tuple[str, str]] = {
    "adCampaigns": (
        "linkedin_campaigns",
        "id, name, status, type, account_id, campaign_group_id",
    ),
    "adCampaignGroups": ("linkedin_campaign_groups", "id, name, status, account_id"),
}


def render_entity(entity: str, row: tuple[Any, ...]) -> dict[str, Any]:
    if entity == "adCampaigns":
        id_, name, status, type_, account, group = row
        return {
            "id": int(id_),
            "name": name,
            "status": status,
            "type": type_,
            "account": f"urn:li:sponsoredAccount:{account}",
            "campaignGroup": f"urn:li:sponsoredCampaignGroup:{group}",
        }
    id_, name, status, account = row
    return {
        "id": int(id_),
        "name": name,
        "status": status,
        "account": f"urn:li:sponsoredAccount:{account}",
    }


def encode_page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"li:{offset}".encode()).decode()


def decode_page_token(token: str) -> int:
    try:
        prefix, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if prefix != "li" or not offset.isdigit():
            raise ValueError
    except ValueError:
        raise bad_request(f"Invalid value for param pageToken: {token!r}") from None
    return int(offset)


def status_filter(params: dict[str, str]) -> list[str]:
    """The statuses of `search=(status:(values:List(ACTIVE,…)))`, or [] for no filter."""
    if "search" not in params:
        return []
    try:
        search = parse_value(params["search"], "search")
    except RestliError as exc:
        raise bad_request(str(exc)) from None
    statuses = search.get("status", {}).get("values", []) if isinstance(search, dict) else None
    if not isinstance(statuses, list):
        raise bad_request("Invalid value for param search: expected (status:(values:List(…)))")
    return [str(s) for s in statuses]


# -------------------------------------------------------------------------------------- app


def create_app(ctx: VendorContext) -> Starlette:
    policy = LinkedInPolicy()
    account_ids = {int(a) for a in ctx.vendor_credentials.get("account_ids", [])}
    today = ctx.now.date()

    def check_headers(request: Request) -> dict[str, str]:
        """The raw query parameters of a versioned call with valid LinkedIn headers."""
        version = request.headers.get("linkedin-version")
        if not version:
            raise VendorError(
                li_error(
                    400,
                    "VERSION_MISSING",
                    "A version must be present. Please specify a version by adding the "
                    "LinkedIn-Version header.",
                )
            )
        if not _VERSION.fullmatch(version) or book("linkedin_ads").judge(version, today).refused:
            # LinkedIn names the version as YYYYMMDD: 202510 → "20251001"
            named = f"{version}01" if len(version) == 6 else version
            raise VendorError(
                li_error(426, "NONEXISTENT_VERSION", f"Requested version {named} is not active")
            )
        query = request.url.query
        if "(" in query and request.headers.get("x-restli-protocol-version") != "2.0.0":
            raise bad_request(
                "Rest.li 2.0 syntax (List(…), (…)) requires the header "
                "X-Restli-Protocol-Version: 2.0.0"
            )
        return raw_params(query)

    def denied(path: str) -> VendorError:
        return VendorError(
            li_error(403, "ACCESS_DENIED", f"Not enough permissions to access: GET {path}", 100)
        )

    async def ad_analytics(request: Request) -> Response:
        req = parse_analytics(check_headers(request), today)
        if not set(req.facets.get("accounts", [])) <= account_ids:
            raise denied("/adAnalytics")
        sql, args = analytics_sql(req, sorted(account_ids))
        rows = ctx.db.execute(sql, args).fetchall()
        if len(rows) > MAX_ELEMENTS:
            raise bad_request(
                f"The request returns more than {MAX_ELEMENTS} elements and adAnalytics has no "
                "pagination: split it into smaller dateRange requests"
            )
        elements = [ctx.faults.drift(render_element(req, row)) for row in rows]
        return ctx.page({"paging": {"start": 0, "count": 10, "links": []}, "elements": elements})

    async def search_entities(request: Request) -> Response:
        params = check_headers(request)
        account_id = request.path_params["account_id"]
        if not account_id.isdigit() or int(account_id) not in account_ids:
            raise denied(request.url.path)
        if params.get("q") != "search":
            raise bad_request(f"Invalid finder q={params.get('q', '')!r}; use q=search")
        entity = request.path_params["entity"]
        if entity not in ENTITIES:
            return policy.error(404, request.url.path)
        table, columns = ENTITIES[entity]
        size_text = params.get("pageSize", "100")
        if not size_text.isdigit() or not 1 <= int(size_text) <= 1000:
            raise bad_request(f"Invalid value for param pageSize: {size_text!r} (1..1000)")
        size = int(size_text)
        offset = decode_page_token(params["pageToken"]) if params.get("pageToken") else 0
        statuses = status_filter(params)
        where = "account_id = ?" + (
            f" AND status IN ({', '.join('?' for _ in statuses)})" if statuses else ""
        )
        rows = ctx.db.execute(
            f"SELECT {columns} FROM {table} WHERE {where} ORDER BY id LIMIT ? OFFSET ?",
            [int(account_id), *statuses, size + 1, offset],
        ).fetchall()
        elements = [ctx.faults.drift(render_entity(entity, row)) for row in rows[:size]]
        metadata = {"nextPageToken": encode_page_token(offset + size)} if len(rows) > size else {}
        return ctx.page({"elements": elements, "metadata": metadata})

    async def access_token(request: Request) -> Response:
        form = await read_form(request)
        if form.get("grant_type") != "refresh_token" or not form.get("refresh_token"):
            return json_response(
                {
                    "error": "invalid_request",
                    "error_description": 'A required parameter "refresh_token" is missing '
                    "or grant_type is not refresh_token",
                },
                400,
            )
        try:
            ctx.auth.client_for_refresh(form, ("linkedin_ads",))
        except OAuthError as exc:
            status = 401 if exc.error == "invalid_client" else 400
            return json_response({"error": exc.error, "error_description": exc.description}, status)
        token, expires_in = ctx.issue_token()
        return json_response(
            {
                "access_token": token,
                "expires_in": expires_in,
                "refresh_token": form["refresh_token"],
                "refresh_token_expires_in": 31_536_000,
            }
        )

    return build_app(
        ctx,
        policy,
        [
            Endpoint("/rest/adAnalytics", ad_analytics),
            Endpoint("/rest/adAccounts/{account_id}/{entity}", search_entities),
            Endpoint("/oauth/v2/accessToken", access_token, ("POST",), public=True),
        ],
    )
