"""GA4 → `raw_ga4`: daily sessions, users, engaged sessions and key events by source, medium
and campaign, from the Data API's `runReport` (offset paging until `rowCount`).

Rows merge on (property_id, date, session_source, session_medium, session_campaign_name) and
re-read the last `ad_lag_days` on every load (GA4 restates at least two days); the table's key,
cursor and disposition are `connectors.ga4.VENDOR`'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
import pyarrow as pa

from connectors.client import Endpoint
from connectors.ga4 import VENDOR, GA4Client
from pipelines.ad_metrics import daily_cursor, window
from pipelines.context import LoadContext

DIMENSIONS = ("date", "sessionSource", "sessionMedium", "sessionCampaignName")
METRICS = ("sessions", "totalUsers", "engagedSessions", "keyEvents")
COLUMNS = {
    "property_id": pa.string(),
    "date": pa.date32(),
    "session_source": pa.string(),
    "session_medium": pa.string(),
    "session_campaign_name": pa.string(),
    "sessions": pa.int64(),
    "total_users": pa.int64(),
    "engaged_sessions": pa.int64(),
    "key_events": pa.int64(),
}
SNAKE = {
    "sessionSource": "session_source",
    "sessionMedium": "session_medium",
    "sessionCampaignName": "session_campaign_name",
    "totalUsers": "total_users",
    "engagedSessions": "engaged_sessions",
    "keyEvents": "key_events",
}


def report_row(property_id: str, row: Any) -> Any:
    """A report row keyed by header name; GA4 dates arrive as YYYYMMDD."""
    if not isinstance(row, dict):
        return row
    out = {SNAKE.get(k, k): v for k, v in row.items()}
    day = out.get("date")
    if isinstance(day, str) and len(day) == 8 and day.isdigit():
        out["date"] = f"{day[:4]}-{day[4:6]}-{day[6:]}"
    out["property_id"] = property_id
    return out


@dlt.source(name="ga4", max_table_nesting=0)
def source(endpoint: Endpoint, ctx: LoadContext) -> Any:
    client = ctx.client(GA4Client, endpoint)

    table = VENDOR.table("traffic_daily")

    @ctx.resource(table)
    def traffic_daily(day=daily_cursor(ctx, table)) -> Iterator[pa.Table]:
        start, end = window(ctx, day.last_value)
        converter = ctx.converter(table, COLUMNS)
        pages = (
            [report_row(client.property_id, r) for r in page]
            for page in client.run_report(start, end, DIMENSIONS, METRICS)
        )
        yield from ctx.stream(converter, pages)

    return [traffic_daily]
