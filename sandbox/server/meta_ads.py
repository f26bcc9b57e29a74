"""Meta Marketing API stand-in: ad account insights (sync and async report runs) and edges.

Contract (as Marketing API v26.0 does it; versions as in sandbox/server/versions.py):
- `GET /act_{id}/insights` with level=account|campaign|adset, time_increment=1|all_days,
  time_range={"since","until"} (JSON) or date_preset, fields=…, limit (default 25), after=<cursor>
  → `{"data":[…],"paging":{"cursors":{"before","after"},"next"?,"previous"?}}`; numbers are
  strings, leads arrive in `actions` ([{"action_type":"lead","value":"3"}], omitted when none),
  rows without delivery are not returned, `next` is a full URL and absent on the last page.
- `POST /act_{id}/insights` (same parameters) → `{"report_run_id"}`; `GET /{run_id}` reports
  `async_status` "Job Running" then "Job Completed" (or "Job Failed" under faults), and
  `GET /{run_id}/insights` pages the result like the sync call.
- `GET /act_{id}/campaigns|adsets?fields=…` with the same cursor paging.
- Auth: `access_token` query/form parameter, or `Authorization: OAuth|Bearer <token>`; a bad
  token is code 190 OAuthException. Errors are HTTP 400
  `{"error":{"message","type","code","error_subcode","is_transient","fbtrace_id"}}`.
"""

from __future__ import annotations

import base64
import json
import math
import random
import re
import secrets
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from sandbox.server.auth import TokenState
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
from sandbox.server.versions import announce, announced, book

# ------------------------------------------------------------------------------------ errors


class MetaError(Exception):
    """A Graph API error, rendered as Meta renders it (HTTP 400 unless `status` says otherwise)."""

    def __init__(
        self,
        message: str,
        code: int = 100,
        subcode: int | None = None,
        *,
        type_: str = "OAuthException",
        transient: bool = False,
        status: int = 400,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.subcode = subcode
        self.type = type_
        self.transient = transient
        self.status = status

    def body(self, trace_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": self.message,
            "type": self.type,
            "code": self.code,
            "is_transient": self.transient,
            "fbtrace_id": trace_id,
        }
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        return {"error": error}


def deprecated_version(newest: str) -> MetaError:
    return MetaError(
        "(#2635) You are calling a deprecated version of the Ads API. Please update to the "
        f"latest version: {newest}.",
        code=2635,
    )


def invalid_token() -> MetaError:
    return MetaError("Invalid OAuth access token - Cannot parse access token", code=190, status=400)


def expired_token() -> MetaError:
    return MetaError(
        "Error validating access token: Session has expired.", code=190, subcode=463, status=400
    )


def unknown_object(object_id: str) -> MetaError:
    return MetaError(
        f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be loaded "
        "due to missing permissions, or does not support this operation. Please read the Graph "
        "API documentation at https://developers.facebook.com/docs/graph-api",
        code=100,
        subcode=33,
    )


# ---------------------------------------------------------------------------------- insights

LEVELS = ("account", "campaign", "adset")
# field → the levels that carry it (metrics and dates: every level)
INSIGHT_FIELDS: dict[str, tuple[str, ...]] = {
    "account_id": LEVELS,
    "account_currency": LEVELS,
    "campaign_id": ("campaign", "adset"),
    "campaign_name": ("campaign", "adset"),
    "objective": ("campaign", "adset"),
    "adset_id": ("adset",),
    "adset_name": ("adset",),
    "impressions": LEVELS,
    "clicks": LEVELS,
    "spend": LEVELS,
    "actions": LEVELS,
    "action_values": LEVELS,  # no conversion values in the world: omitted, as Meta omits it
    "ctr": LEVELS,
    "cpc": LEVELS,
    "cpm": LEVELS,
    "date_start": LEVELS,
    "date_stop": LEVELS,
}
DEFAULT_INSIGHT_FIELDS = ("impressions", "spend", "date_start", "date_stop")
ACCOUNT_CURRENCY = "USD"
# date_preset → (first day, last day) as offsets from today (Meta's last_Nd excludes today)
DATE_PRESETS: dict[str, tuple[int, int]] = {
    "today": (0, 0),
    "yesterday": (1, 1),
    "last_3d": (3, 1),
    "last_7d": (7, 1),
    "last_14d": (14, 1),
    "last_28d": (28, 1),
    "last_30d": (30, 1),
    "last_90d": (90, 1),
}
DEFAULT_LIMIT = 25


@dataclass(frozen=True)
class InsightsRequest:
    """The parsed parameters of an insights call (sync, or the definition of a report run)."""

    level: str
    fields: tuple[str, ...]
    daily: bool
    since: date
    until: date
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def _json_param(name: str, raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise MetaError(f"(#100) Parameter {name} is not valid JSON: {raw}") from None


def _day(name: str, value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise MetaError(
            f"(#100) The parameter {name} must be a date in the format YYYY-MM-DD, got {value!r}"
        ) from None


def split_fields(raw: str | None) -> list[str]:
    """`fields` as the SDK sends it (comma-joined) or as a JSON list."""
    if not raw:
        return []
    if raw.lstrip().startswith("["):
        return [str(f).strip() for f in _json_param("fields", raw)]
    return [f.strip() for f in raw.split(",") if f.strip()]


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise MetaError(f"(#100) Param limit must be a positive integer, got {raw!r}") from None
    if limit < 1:
        raise MetaError(f"(#100) Param limit must be a positive integer, got {raw!r}")
    return limit


def parse_insights(params: dict[str, str], today: date) -> InsightsRequest:
    """Validate insights parameters the way Graph API does; raises MetaError (code 100)."""
    level = params.get("level", "account")
    if level not in (*LEVELS, "ad"):
        raise MetaError(
            "(#100) level must be one of the following values: ad, adset, campaign, account"
        )
    if level == "ad":
        raise MetaError("(#100) level=ad is not available in the sandbox: use adset or above")
    fields = split_fields(params.get("fields")) or list(DEFAULT_INSIGHT_FIELDS)
    for name in fields:
        if name not in INSIGHT_FIELDS:
            raise MetaError(
                f"(#100) {name} is not valid for fields param. please check "
                "https://developers.facebook.com/docs/marketing-api/reference/ads-insights/ "
                "for all valid values"
            )
    increment = params.get("time_increment", "all_days")
    if increment not in ("1", "all_days"):
        raise MetaError(
            f"(#100) time_increment {increment!r} is not supported by the sandbox: use 1 or all_days"
        )
    if "time_range" in params:
        window = _json_param("time_range", params["time_range"])
        if not isinstance(window, dict) or not {"since", "until"} <= set(window):
            raise MetaError("(#100) time_range must be a JSON object with since and until")
        since, until = (
            _day("time_range.since", window["since"]),
            _day("time_range.until", window["until"]),
        )
    else:
        preset = params.get("date_preset", "last_30d")
        if preset not in DATE_PRESETS:
            raise MetaError(
                f"(#100) date_preset must be one of the following values: {', '.join(DATE_PRESETS)}"
            )
        back, to = DATE_PRESETS[preset]
        since, until = today - timedelta(days=back), today - timedelta(days=to)
    if since > until:
        raise MetaError("(#100) time_range: since must be on or before until")
    limit = parse_limit(params.get("limit"))
    return InsightsRequest(
        level=level,
        fields=tuple(fields),
        daily=increment == "1",
        since=since,
        until=until,
        limit=limit,
        offset=page_offset(params, limit),
    )


_LEVEL_KEYS = {
    "account": ["d.account_id"],
    "campaign": ["d.account_id", "d.campaign_id", "c.name", "c.objective"],
    "adset": ["d.account_id", "d.campaign_id", "c.name", "c.objective", "d.adset_id", "a.name"],
}
_KEY_NAMES = {
    "account": ["account_id"],
    "campaign": ["account_id", "campaign_id", "campaign_name", "objective"],
    "adset": ["account_id", "campaign_id", "campaign_name", "objective", "adset_id", "adset_name"],
}


def insights_sql(req: InsightsRequest, account_id: str) -> tuple[str, list[Any]]:
    """SQL for one page of insights (fetching limit + 1 rows to know whether more follow).

    Columns: the level's keys, the day (NULL for all_days), impressions, clicks, spend, leads.
    """
    keys = _LEVEL_KEYS[req.level]
    day = "d.date" if req.daily else "NULL::DATE"
    group = [*keys, "d.date"] if req.daily else keys
    order = (["d.date"] if req.daily else []) + [k for k in keys if not k.endswith(".name")]
    sql = (
        f"SELECT {', '.join(keys)}, {day}, SUM(d.impressions), SUM(d.clicks), SUM(d.spend), "
        "SUM(d.leads) FROM meta_adset_daily d "
        "JOIN meta_campaigns c ON c.account_id = d.account_id AND c.campaign_id = d.campaign_id "
        "JOIN meta_adsets a ON a.account_id = d.account_id AND a.adset_id = d.adset_id "
        "WHERE d.account_id = ? AND d.date BETWEEN ? AND ? "
        f"GROUP BY {', '.join(group)} HAVING SUM(d.impressions) > 0 "
        f"ORDER BY {', '.join(order)} LIMIT ? OFFSET ?"
    )
    return sql, [account_id, req.since, req.until, req.limit + 1, req.offset]


def meta_number(value: Any, places: int = 6) -> str:
    """A number as Graph API writes it: a string, no trailing zeros ("12.3", "15", "0.123457")."""
    text = f"{Decimal(str(value)):.{places}f}".rstrip("0").rstrip(".")
    return text or "0"


def render_insight(req: InsightsRequest, row: tuple[Any, ...]) -> dict[str, Any]:
    """One insights row in Meta's shape, limited to the requested fields valid at the level."""
    names = _KEY_NAMES[req.level]
    keys = dict(zip(names, row[: len(names)], strict=True))
    day, impressions, clicks, spend, leads = row[len(names) :]
    impressions, clicks, leads = int(impressions), int(clicks), int(leads)
    spend = Decimal(str(spend))
    values: dict[str, Any] = {
        **{k: str(v) for k, v in keys.items()},
        "account_currency": ACCOUNT_CURRENCY,
        "impressions": str(impressions),
        "clicks": str(clicks),
        "spend": meta_number(spend, 2),
        "ctr": meta_number(clicks * 100 / impressions) if impressions else "0",
        "cpc": meta_number(spend / clicks) if clicks else None,
        "cpm": meta_number(spend * 1000 / impressions) if impressions else None,
        "actions": [{"action_type": "lead", "value": str(leads)}] if leads else None,
        "action_values": None,
        "date_start": (day or req.since).isoformat(),
        "date_stop": (day or req.until).isoformat(),
    }
    wanted = [f for f in req.fields if req.level in INSIGHT_FIELDS[f]]
    out = {f: values[f] for f in wanted if values.get(f) is not None}
    out.setdefault("date_start", values["date_start"])
    out.setdefault("date_stop", values["date_stop"])
    return out


# ------------------------------------------------------------------------------------ edges


@dataclass(frozen=True)
class Edge:
    """An ad account edge listing objects of one table (`campaigns`, `adsets`)."""

    node_type: str
    table: str
    key: str
    columns: dict[str, str]  # Graph field → SQL expression


EDGES: dict[str, Edge] = {
    "campaigns": Edge(
        "Campaign",
        "meta_campaigns",
        "campaign_id",
        {
            "id": "campaign_id",
            "account_id": "account_id",
            "name": "name",
            "objective": "objective",
            "status": "status",
            "configured_status": "status",
            "effective_status": "status",
            "created_time": "created_time",
            "updated_time": "updated_time",
        },
    ),
    "adsets": Edge(
        "AdSet",
        "meta_adsets",
        "adset_id",
        {
            "id": "adset_id",
            "account_id": "account_id",
            "campaign_id": "campaign_id",
            "name": "name",
            "status": "status",
            "configured_status": "status",
            "effective_status": "status",
        },
    ),
}


def edge_sql(
    edge: Edge, fields: list[str], params: dict[str, str], account_id: str, limit: int, offset: int
) -> tuple[str, list[Any]]:
    """SQL for one page of an edge (limit + 1 rows); honours `effective_status` (JSON list)."""
    for name in fields:
        if name not in edge.columns:
            raise MetaError(
                f"(#100) Tried accessing nonexisting field ({name}) on node type ({edge.node_type})"
            )
    args: list[Any] = [account_id]
    where = "account_id = ?"
    if "effective_status" in params:
        statuses = _json_param("effective_status", params["effective_status"])
        if not isinstance(statuses, list) or not statuses:
            raise MetaError("(#100) effective_status must be a non-empty JSON list")
        where += f" AND status IN ({', '.join('?' for _ in statuses)})"
        args.extend(str(s) for s in statuses)
    columns = ", ".join(edge.columns[f] for f in fields)
    sql = f"SELECT {columns} FROM {edge.table} WHERE {where} ORDER BY {edge.key} LIMIT ? OFFSET ?"
    return sql, [*args, limit + 1, offset]


def render_edge_row(fields: list[str], row: tuple[Any, ...]) -> dict[str, Any]:
    return {name: graph_value(value) for name, value in zip(fields, row, strict=True)}


def graph_value(value: Any) -> Any:
    """Graph API scalars: timestamps as 2026-01-05T10:00:00+0000, everything else as strings."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S+0000")
    return str(value)


# ----------------------------------------------------------------------------------- paging


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"rt:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The row offset a cursor points at; raises MetaError for a cursor we did not issue."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "rt" or not number.isdigit():
            raise ValueError
        return int(number)
    except ValueError:
        raise MetaError(f"(#100) The after cursor {cursor!r} is not valid") from None


def paging(
    offset: int, count: int, has_more: bool, page_url: str, params: dict[str, str]
) -> dict[str, Any]:
    """Meta's `paging` object for a page of `count` rows starting at `offset`.

    `page_url` is this edge's absolute URL; `next`/`previous` repeat every parameter (including
    access_token, as Graph API does) with `after`/`before` replaced.
    """
    out: dict[str, Any] = {
        "cursors": {"before": encode_cursor(offset), "after": encode_cursor(offset + count)}
    }
    base = {k: v for k, v in params.items() if k not in ("after", "before")}
    if has_more:
        out["next"] = f"{page_url}?{urlencode({**base, 'after': encode_cursor(offset + count)})}"
    if offset > 0:
        out["previous"] = f"{page_url}?{urlencode({**base, 'before': encode_cursor(offset)})}"
    return out


def page_offset(params: dict[str, str], limit: int) -> int:
    """The first row of the requested page: after=<cursor>, or the page ending at before=."""
    if params.get("before"):
        return max(0, decode_cursor(params["before"]) - limit)
    return decode_cursor(params.get("after"))


# -------------------------------------------------------------------------------------- app

# Per-request facts the policy needs but is not handed (each request runs in its own task):
# the path (insights or not → code 80000 or 17) and the minutes until access is regained.
_request_path: ContextVar[str] = ContextVar("meta_request_path", default="")
_regain_minutes: ContextVar[float] = ContextVar("meta_regain_minutes", default=0)
_VERSION = re.compile(r"v\d+\.\d+")


class MetaPolicy(VendorPolicy):
    """Meta says no with HTTP 400 bodies: 190 for tokens, 17/80000 for rate limits."""

    default_limit = (200, 3600.0)

    def __init__(self, account_ids: list[str]) -> None:
        self.usage_key = account_ids[0] if account_ids else "0"

    def token(self, request: Request) -> str | None:
        # Remember the path for rate_limited (called next, in the same task).
        _request_path.set(request.url.path)
        if "access_token" in request.query_params:
            return request.query_params["access_token"]
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return token.strip() if scheme.lower() in ("oauth", "bearer") else None

    def unauthorized(self, state: TokenState) -> Response:
        return meta_error(expired_token() if state is TokenState.EXPIRED else invalid_token())

    def rate_limited(self, retry_after: int | None, usage: Usage) -> Response:
        if _request_path.get().endswith("/insights"):
            error = MetaError(
                "(#80000) There have been too many calls from this ad-account. Wait a bit and "
                "try again. For more info, please refer to "
                "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
                code=80000,
                subcode=2446079,
                transient=True,
            )
        else:
            error = MetaError(
                "(#17) User request limit reached", code=17, subcode=2446079, transient=True
            )
        # Meta reports whole minutes; the `regain_seconds` fault asks for a shorter estimate
        regain = (
            self.regain_seconds / 60
            if self.regain_seconds is not None
            else math.ceil((retry_after or 60) / 60)
        )
        _regain_minutes.set(regain)
        return meta_error(error)

    def server_error(self) -> Response:
        return meta_error(
            MetaError(
                "An unexpected error has occurred. Please retry your request later.",
                code=2,
                transient=True,
                status=500,
            )
        )

    def error(self, status: int, message: str) -> Response:
        if status in (404, 405):
            return meta_error(MetaError(f"Unknown path components: {message}", code=2500))
        return meta_error(MetaError(message, status=status))

    def headers(self, usage: Usage) -> dict[str, str]:
        regain_minutes = _regain_minutes.get()
        pct = min(100, round(100 * (usage.limit - usage.remaining) / max(usage.limit, 1)))
        buc = {
            self.usage_key: [
                {
                    "type": "ads_insights",
                    "call_count": pct,
                    "total_cputime": pct,
                    "total_time": pct,
                    "estimated_time_to_regain_access": regain_minutes,
                    "ads_api_access_tier": "standard_access",
                }
            ]
        }
        throttle = {
            "app_id_util_pct": pct,
            "acc_id_util_pct": pct,
            "ads_api_access_tier": "standard_access",
        }
        account = {
            "acc_id_util_pct": pct,
            "reset_time_duration": math.ceil(regain_minutes * 60),
            "ads_api_access_tier": "standard_access",
        }
        return {
            "X-Business-Use-Case-Usage": json.dumps(buc, separators=(",", ":")),
            "x-fb-ads-insights-throttle": json.dumps(throttle, separators=(",", ":")),
            "X-Ad-Account-Usage": json.dumps(account, separators=(",", ":")),
            **announced(),  # auto-upgrade warning, Sunset/Deprecation near a sunset
        }


def meta_error(error: MetaError) -> Response:
    return json_response(error.body(f"A{secrets.token_urlsafe(16)}"), error.status)


@dataclass
class ReportRun:
    """An async insights job: completes on the second status poll, or fails under faults."""

    run_id: str
    account_id: str
    request: InsightsRequest
    failed: bool
    polls: int = 0

    def status(self) -> tuple[str, int]:
        if self.polls <= 1:
            return "Job Running", 50
        return ("Job Failed", 0) if self.failed else ("Job Completed", 100)


def create_app(ctx: VendorContext) -> Starlette:
    account_ids = [str(a) for a in ctx.vendor_credentials.get("account_ids", [])]
    policy = MetaPolicy(account_ids)
    runs: dict[str, ReportRun] = {}
    today = ctx.now.date()

    def check_version(request: Request) -> None:
        """A malformed version is no path; an unknown one is refused with (#2635); an expired
        one is auto-upgraded to the newest (Meta's default since 2024), saying so in a header."""
        version = request.path_params["version"]
        if not _VERSION.fullmatch(version):
            raise VendorError(policy.error(404, request.url.path))
        verdict = book("meta_ads").judge(version, today)
        if verdict.state == "unknown":
            raise VendorError(meta_error(deprecated_version(verdict.newest)))
        if verdict.state == "retired":
            announce(
                {
                    "X-Ad-Api-Version-Warning": f"The call was made to an expired version "
                    f"{version} and was auto-upgraded to {verdict.newest}."
                }
            )

    def account(request: Request) -> str:
        check_version(request)
        account_id = request.path_params["account_id"]
        if account_id not in account_ids:
            raise VendorError(meta_error(unknown_object(f"act_{account_id}")))
        return account_id

    def insights_page(request: Request, account_id: str, req: InsightsRequest) -> Response:
        sql, args = insights_sql(req, account_id)
        rows = ctx.db.execute(sql, args).fetchall()
        data = [ctx.faults.drift(render_insight(req, row)) for row in rows[: req.limit]]
        page_url = f"{ctx.base_url}{request.url.path}"
        params = dict(request.query_params)
        more = len(rows) > req.limit
        return ctx.page(
            {"data": data, "paging": paging(req.offset, len(data), more, page_url, params)}
        )

    async def insights(request: Request) -> Response:
        account_id = account(request)
        try:
            if request.method == "GET":
                return insights_page(
                    request, account_id, parse_insights(dict(request.query_params), today)
                )
            req = parse_insights(await read_form(request), today)
        except MetaError as exc:
            return meta_error(exc)
        run_id = str(6_120_000_000_000_000 + len(runs) + 1)
        fails = random.Random(f"{ctx.faults.settings.seed}:{run_id}").random()
        runs[run_id] = ReportRun(run_id, account_id, req, fails < ctx.faults.settings.error_rate)
        return ctx.json({"report_run_id": run_id})

    def report_run(request: Request) -> ReportRun:
        check_version(request)
        run = runs.get(request.path_params["run_id"])
        if run is None:
            raise VendorError(meta_error(unknown_object(request.path_params["run_id"])))
        return run

    async def run_status(request: Request) -> Response:
        run = report_run(request)
        run.polls += 1
        status, percent = run.status()
        return ctx.json(
            {
                "id": run.run_id,
                "account_id": run.account_id,
                "time_ref": 1_700_000_000 + int(run.run_id) % 1_000_000,
                "async_status": status,
                "async_percent_completion": percent,
                "date_start": run.request.since.isoformat(),
                "date_stop": run.request.until.isoformat(),
            }
        )

    async def run_insights(request: Request) -> Response:
        run = report_run(request)
        status, _ = run.status()
        if status != "Job Completed":
            return meta_error(
                MetaError(
                    f"(#100) Report run {run.run_id} is not completed (async_status: {status}); "
                    "poll it until Job Completed, or create a new one if it failed"
                )
            )
        params = dict(request.query_params)
        try:
            limit = parse_limit(params.get("limit")) if "limit" in params else run.request.limit
            req = replace(run.request, limit=limit, offset=page_offset(params, limit))
        except MetaError as exc:
            return meta_error(exc)
        return insights_page(request, run.account_id, req)

    async def edge_list(request: Request) -> Response:
        account_id = account(request)
        edge = EDGES.get(request.path_params["edge"])
        if edge is None:
            return policy.error(404, request.url.path)
        params = dict(request.query_params)
        try:
            fields = split_fields(params.get("fields")) or ["id"]
            limit = parse_limit(params.get("limit"))
            offset = page_offset(params, limit)
            sql, args = edge_sql(edge, fields, params, account_id, limit, offset)
        except MetaError as exc:
            return meta_error(exc)
        rows = ctx.db.execute(sql, args).fetchall()
        data = [ctx.faults.drift(render_edge_row(fields, row)) for row in rows[:limit]]
        more = len(rows) > limit
        page_url = f"{ctx.base_url}{request.url.path}"
        return ctx.page({"data": data, "paging": paging(offset, len(data), more, page_url, params)})

    return build_app(
        ctx,
        policy,
        [
            Endpoint("/{version}/act_{account_id}/insights", insights, ("GET", "POST")),
            Endpoint("/{version}/act_{account_id}/{edge}", edge_list),
            Endpoint("/{version}/{run_id}/insights", run_insights),
            Endpoint("/{version}/{run_id}", run_status),
        ],
    )
