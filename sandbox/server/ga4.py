"""GA4 Data API stand-in: `POST /v1beta/properties/{id}:runReport` over ga4_daily.

Contract (as v1beta does it, and as google-analytics-data's REST transport sends it):
- body: dateRanges (1 to 4; YYYY-MM-DD, today, yesterday or NdaysAgo), dimensions (date,
  sessionSource, sessionMedium, sessionCampaignName, sessionSourceMedium,
  sessionDefaultChannelGroup), metrics (sessions, totalUsers, engagedSessions, keyEvents),
  limit (default 10,000, max 250,000) and offset — int64s may arrive as strings and offset is
  omitted when 0 — orderBys, returnPropertyQuota. `?$alt=json;enum-encoding=int` makes the metric
  types enum numbers.
- response: dimensionHeaders, metricHeaders (TYPE_INTEGER), rows of dimensionValues /
  metricValues (strings; date as YYYYMMDD; a `dateRange` dimension is added with several
  ranges), rowCount (all rows, regardless of limit/offset; omitted when 0 as proto3 JSON does),
  metadata {currencyCode, timeZone}, propertyQuota on request. All-zero rows are left out.
- errors: google.rpc.Status JSON — 400 INVALID_ARGUMENT with Google's messages for unknown
  dimensions/metrics, 403 PERMISSION_DENIED for another property, 429 RESOURCE_EXHAUSTED when the
  property's hourly/daily tokens (40k/200k) are spent or under rate-limit faults.
Google's OAuth token endpoint `POST /token` is served here too.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import unquote

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
    read_json_body,
)
from sandbox.server.google_ads import google_error, google_token_endpoint, unauthenticated

SCHEMA_URL = "https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema"
CHANNEL_GROUP = (
    "CASE WHEN session_medium = 'cpc' THEN 'Paid Search' "
    "WHEN session_medium = 'paid_social' THEN 'Paid Social' "
    "WHEN session_medium = 'email' THEN 'Email' "
    "WHEN session_medium = 'organic' THEN 'Organic Search' "
    "WHEN session_medium = 'referral' THEN 'Referral' "
    "WHEN session_source = '(direct)' THEN 'Direct' ELSE 'Unassigned' END"
)
DIMENSIONS = {
    "date": "strftime(date, '%Y%m%d')",
    "sessionSource": "session_source",
    "sessionMedium": "session_medium",
    "sessionCampaignName": "session_campaign_name",
    "sessionSourceMedium": "session_source || ' / ' || session_medium",
    "sessionDefaultChannelGroup": CHANNEL_GROUP,
}
METRICS = {
    "sessions": "sessions",
    "totalUsers": "total_users",
    "engagedSessions": "engaged_sessions",
    "keyEvents": "key_events",
}
TYPE_INTEGER = ("TYPE_INTEGER", 1)  # MetricType name and enum number
DEFAULT_LIMIT = 10_000
MAX_LIMIT = 250_000
TOKENS_PER_REQUEST = 10
TOKENS_PER_HOUR = 40_000
TOKENS_PER_DAY = 200_000
METADATA = {"currencyCode": "USD", "timeZone": "America/Los_Angeles"}


def invalid(message: str) -> VendorError:
    return VendorError(google_error(400, "INVALID_ARGUMENT", message))


class Ga4Policy(VendorPolicy):
    default_limit = (10, 1.0)

    def unauthorized(self, state: TokenState) -> Response:
        return unauthenticated()

    def rate_limited(self, retry_after: int | None, usage: Usage) -> Response:
        return quota_exhausted("Exhausted concurrent requests quota.")

    def server_error(self) -> Response:
        return google_error(500, "INTERNAL", "Internal error encountered.")

    def error(self, status: int, message: str) -> Response:
        rpc = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "INVALID_ARGUMENT")
        return google_error(status, rpc, message)


def quota_exhausted(message: str) -> Response:
    return google_error(
        429,
        "RESOURCE_EXHAUSTED",
        f"{message} To learn more, see "
        "https://developers.google.com/analytics/devguides/reporting/data/v1/quotas",
    )


# ---------------------------------------------------------------------------------- request


@dataclass(frozen=True)
class ReportRequest:
    ranges: list[tuple[date, date, str]]  # (start, end, name)
    dimensions: list[str]
    metrics: list[str]
    limit: int
    offset: int
    order_by: list[tuple[str, bool]]  # (field name, descending)
    return_quota: bool

    @property
    def headers(self) -> list[str]:
        """The dimension columns of the response (dateRange added with several ranges)."""
        return self.dimensions + (["dateRange"] if len(self.ranges) > 1 else [])


def resolve_date(text: Any, today: date, name: str) -> date:
    value = str(text)
    if value == "today":
        return today
    if value == "yesterday":
        return today - timedelta(days=1)
    ago = re.fullmatch(r"(\d+)daysAgo", value)
    if ago:
        return today - timedelta(days=int(ago.group(1)))
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise invalid(f"Invalid {name} '{value}': use YYYY-MM-DD, today, yesterday or NdaysAgo.")


def _int(value: Any, name: str, default: int) -> int:
    """An int64 field, which the SDK's REST transport sends as a string."""
    if value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid(f"Invalid value at '{name}' (TYPE_INT64), \"{value}\"") from None


def _names(body: dict[str, Any], key: str) -> list[str]:
    items = body.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) and "name" in i for i in items):
        raise invalid(f"Invalid JSON payload: '{key}' must be a list of {{\"name\": …}} objects.")
    return [str(i["name"]) for i in items]


def parse_report(body: Any, today: date) -> ReportRequest:
    """Validate a RunReportRequest body as GA4 does; raises VendorError (400 INVALID_ARGUMENT)."""
    if not isinstance(body, dict):
        raise invalid("Invalid JSON payload: expected a RunReportRequest object.")
    ranges_in = body.get("dateRanges") or []
    if not isinstance(ranges_in, list) or not 1 <= len(ranges_in) <= 4:
        raise invalid("A request must have between 1 and 4 dateRanges.")
    ranges = []
    for i, item in enumerate(ranges_in):
        start = resolve_date(item.get("startDate"), today, "startDate")
        end = resolve_date(item.get("endDate"), today, "endDate")
        if start > end:
            raise invalid(f"Invalid date range: startDate {start} is after endDate {end}.")
        ranges.append((start, end, str(item.get("name") or f"date_range_{i}")))
    dimensions, metrics = _names(body, "dimensions"), _names(body, "metrics")
    for name in dimensions:
        if name not in DIMENSIONS:
            raise invalid(
                f"Field {name} is not a valid dimension. For a list of valid dimensions and "
                f"metrics, see {SCHEMA_URL}"
            )
    for name in metrics:
        if name not in METRICS:
            raise invalid(
                f"Field {name} is not a valid metric. For a list of valid dimensions and "
                f"metrics, see {SCHEMA_URL}"
            )
    if not metrics:
        raise invalid("A request must have at least one metric.")
    limit = _int(body.get("limit"), "limit", DEFAULT_LIMIT) or DEFAULT_LIMIT
    offset = _int(body.get("offset"), "offset", 0)
    if limit < 0 or offset < 0:
        raise invalid("limit and offset must not be negative.")
    order_by = []
    for item in body.get("orderBys") or []:
        name = (item.get("dimension") or {}).get("dimensionName") or (item.get("metric") or {}).get(
            "metricName"
        )
        if name not in dimensions and name not in metrics:
            raise invalid(
                f"Field {name} in orderBys must be one of the request's dimensions or metrics."
            )
        order_by.append((name, bool(item.get("desc"))))
    return ReportRequest(
        ranges=ranges,
        dimensions=dimensions,
        metrics=metrics,
        limit=min(limit, MAX_LIMIT),
        offset=offset,
        order_by=order_by,
        return_quota=bool(body.get("returnPropertyQuota")),
    )


def report_sql(req: ReportRequest, property_id: str) -> tuple[str, str, list[Any]]:
    """SQL for the requested page (header columns, metric sums, then the total row count) and
    SQL counting every row (for a page past the end); both take the same parameters."""
    dims = [f"{DIMENSIONS[d]} AS d{i}" for i, d in enumerate(req.dimensions)]
    sums = [f"SUM({METRICS[m]}) AS m{i}" for i, m in enumerate(req.metrics)]
    nonzero = " OR ".join(f"SUM({METRICS[m]}) <> 0" for m in req.metrics)
    parts, args = [], []
    for start, end, name in req.ranges:
        columns = [*dims, "? AS range_name"] if len(req.ranges) > 1 else dims
        group = f"GROUP BY {', '.join(str(i + 1) for i in range(len(columns)))}" if columns else ""
        parts.append(
            f"SELECT {', '.join([*columns, *sums])} FROM ga4_daily "
            f"WHERE property_id = ? AND date BETWEEN ? AND ? {group} HAVING {nonzero}"
        )
        args += ([name] if len(req.ranges) > 1 else []) + [property_id, start, end]
    names = [f"d{i}" for i in range(len(req.dimensions))]
    names += ["range_name"] if len(req.ranges) > 1 else []
    metric_cols = {m: f"m{i}" for i, m in enumerate(req.metrics)}
    dim_cols = {d: f"d{i}" for i, d in enumerate(req.dimensions)}
    order = [
        f"{dim_cols.get(name) or metric_cols[name]} {'DESC' if desc else 'ASC'}"
        for name, desc in req.order_by
    ]
    order += names or ["1"]
    selected = ", ".join([*names, *metric_cols.values()])
    union = " UNION ALL ".join(parts)
    page = (
        f"SELECT {selected}, COUNT(*) OVER () FROM ({union}) "
        f"ORDER BY {', '.join(order)} LIMIT {req.limit} OFFSET {req.offset}"
    )
    return page, f"SELECT COUNT(*) FROM ({union})", args


def render_report(
    req: ReportRequest, rows: list[tuple[Any, ...]], total: int, enum_ints: bool
) -> dict[str, Any]:
    n = len(req.headers)
    type_ = TYPE_INTEGER[1] if enum_ints else TYPE_INTEGER[0]
    out: dict[str, Any] = {
        "dimensionHeaders": [{"name": name} for name in req.headers],
        "metricHeaders": [{"name": name, "type": type_} for name in req.metrics],
    }
    if rows:
        out["rows"] = [
            {
                "dimensionValues": [{"value": str(v)} for v in row[:n]],
                "metricValues": [{"value": str(int(v))} for v in row[n:-1]],
            }
            for row in rows
        ]
    if total:
        out["rowCount"] = total
    out["metadata"] = METADATA
    out["kind"] = "analyticsData#runReport"
    return out


# -------------------------------------------------------------------------------------- app


class PropertyQuota:
    """Core tokens per property per hour and per day (wall clock), as propertyQuota reports."""

    def __init__(self) -> None:
        self.used: Counter[tuple[str, str]] = Counter()

    @staticmethod
    def _keys() -> tuple[str, str]:
        now = time.gmtime()
        return time.strftime("h%Y%m%d%H", now), time.strftime("d%Y%m%d", now)

    def spend(self, tokens: int) -> bool:
        """Spend `tokens` unless the hour or day is exhausted (then False, nothing spent)."""
        hour, day = self._keys()
        if self.used[hour] + tokens > TOKENS_PER_HOUR or self.used[day] + tokens > TOKENS_PER_DAY:
            return False
        self.used[hour] += tokens
        self.used[day] += tokens
        return True

    def report(self) -> dict[str, Any]:
        hour, day = self._keys()

        def entry(used: int, limit: int) -> dict[str, int]:
            return {"consumed": used, "remaining": max(limit - used, 0)}

        return {
            "tokensPerDay": entry(self.used[day], TOKENS_PER_DAY),
            "tokensPerHour": entry(self.used[hour], TOKENS_PER_HOUR),
            "concurrentRequests": entry(0, 10),
            "serverErrorsPerProjectPerHour": entry(0, 10),
            "potentiallyThresholdedRequestsPerHour": entry(0, 120),
            "tokensPerProjectPerHour": entry(self.used[hour], TOKENS_PER_HOUR * 35 // 100),
        }


def create_app(ctx: VendorContext) -> Starlette:
    policy = Ga4Policy()
    property_id = str(ctx.vendor_credentials.get("property_id", ""))
    quota = PropertyQuota()
    today = ctx.now.date()

    async def run_report(request: Request) -> Response:
        if request.path_params["property_id"] != property_id:
            return google_error(
                403,
                "PERMISSION_DENIED",
                "User does not have sufficient permissions for this property. To learn more "
                "about Property ID, see "
                "https://developers.google.com/analytics/devguides/reporting/data/v1/property-id.",
            )
        req = parse_report(await read_json_body(request, policy), today)
        if not quota.spend(TOKENS_PER_REQUEST):
            return quota_exhausted("Exhausted property tokens per hour or day for this property.")
        page_sql, count_sql, args = report_sql(req, property_id)
        rows = ctx.db.execute(page_sql, args).fetchall()
        if rows:
            total = int(rows[0][-1])
        else:
            counted = ctx.db.execute(count_sql, args).fetchone()
            total = int(counted[0]) if counted else 0
        enum_ints = "enum-encoding=int" in unquote(request.url.query)
        body = render_report(req, rows, total, enum_ints)
        if req.return_quota:
            body["propertyQuota"] = quota.report()
        return ctx.page(body)

    return build_app(
        ctx,
        policy,
        [
            Endpoint("/v1beta/properties/{property_id}:runReport", run_report, ("POST",)),
            Endpoint("/token", google_token_endpoint(ctx), ("POST",), public=True),
        ],
    )
