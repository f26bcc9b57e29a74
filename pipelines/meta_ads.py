"""Meta → `raw_meta_ads`: campaign metadata and daily ad-set insights.

Insights are read per ad account at `level=adset` with `time_increment=1`, following cursor
paging; they merge on (account_id, adset_id, date) and re-read the last `ad_lag_days` on every
load; campaigns are replaced (keys, cursors and dispositions are `connectors.meta_ads.VENDOR`'s).
Spend stays in the account currency with cents; `leads` comes from the `actions` list.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import dlt
import pyarrow as pa

from connectors.client import Endpoint
from connectors.meta_ads import VENDOR, MetaAdsClient
from pipelines.ad_metrics import daily_cursor, window
from pipelines.context import LoadContext

INSIGHT_FIELDS = (
    "account_id",
    "campaign_id",
    "campaign_name",
    "adset_id",
    "adset_name",
    "impressions",
    "clicks",
    "spend",
    "actions",
)
CAMPAIGN_FIELDS = ("id", "name", "objective", "status", "created_time", "updated_time")
CAMPAIGN_COLUMNS = {
    "account_id": pa.string(),
    "id": pa.string(),
    "name": pa.string(),
    "objective": pa.string(),
    "status": pa.string(),
    "created_time": pa.string(),
    "updated_time": pa.string(),
}
DAILY_COLUMNS = {
    "account_id": pa.string(),
    "campaign_id": pa.string(),
    "campaign_name": pa.string(),
    "adset_id": pa.string(),
    "adset_name": pa.string(),
    "date": pa.date32(),
    "impressions": pa.int64(),
    "clicks": pa.int64(),
    "spend": pa.decimal128(14, 2),
    "leads": pa.int64(),
    "actions": pa.string(),
}


def insight_row(record: Any) -> Any:
    """An insights row with `date_start` as `date` and the `lead` action counted as `leads`."""
    if not isinstance(record, Mapping):
        return record
    actions = record.get("actions") or []
    leads = sum(
        int(float(a.get("value", 0)))
        for a in actions
        if isinstance(a, Mapping) and a.get("action_type") == "lead"
    )
    row = {k: v for k, v in record.items() if k not in ("date_start", "date_stop")}
    row.update(date=record.get("date_start"), leads=leads, actions=actions or None)
    return row


@dlt.source(name="meta_ads", max_table_nesting=0)
def source(endpoint: Endpoint, ctx: LoadContext) -> Any:
    client = ctx.client(MetaAdsClient, endpoint)

    campaigns_table = VENDOR.table("campaigns")
    daily_table = VENDOR.table("adset_daily")

    @ctx.resource(campaigns_table)
    def campaigns() -> Iterator[pa.Table]:
        converter = ctx.converter(campaigns_table, CAMPAIGN_COLUMNS)
        for account in client.account_ids:
            pages = (
                [{**r, "account_id": account} if isinstance(r, Mapping) else r for r in page]
                for page in client.campaigns(account, CAMPAIGN_FIELDS)
            )
            yield from ctx.stream(converter, pages)

    @ctx.resource(daily_table)
    def adset_daily(day=daily_cursor(ctx, daily_table)) -> Iterator[pa.Table]:
        start, end = window(ctx, day.last_value)
        converter = ctx.converter(daily_table, DAILY_COLUMNS)
        for account in client.account_ids:
            pages = (
                [insight_row(r) for r in page]
                for page in client.insights(account, "adset", start, end, INSIGHT_FIELDS)
            )
            yield from ctx.stream(converter, pages)

    return [campaigns, adset_daily]
