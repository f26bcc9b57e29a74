"""Google Ads → `raw_google_ads`: campaign and ad-group metadata, daily ad-group metrics.

Read with GAQL over `googleAds:searchStream`, one customer (account) at a time. Daily metrics
merge on (customer_id, ad_group_id, date) and re-read the last `ad_lag_days` on every load;
metadata is replaced. Keys, cursors and dispositions are `connectors.google_ads.VENDOR`'s.
Money stays in micros of the account currency (`cost_micros`), as the API reports it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
import pyarrow as pa

from connectors.client import Endpoint
from connectors.google_ads import VENDOR, GoogleAdsClient
from connectors.vendor import Table
from pipelines.ad_metrics import daily_cursor, flatten, snake_case, window
from pipelines.context import LoadContext

CAMPAIGNS_GAQL = (
    "SELECT customer.id, campaign.id, campaign.name, campaign.status, "
    "campaign.advertising_channel_type FROM campaign"
)
AD_GROUPS_GAQL = (
    "SELECT customer.id, campaign.id, ad_group.id, ad_group.name, ad_group.status FROM ad_group"
)
DAILY_GAQL = (
    "SELECT customer.id, campaign.id, ad_group.id, segments.date, metrics.impressions, "
    "metrics.clicks, metrics.cost_micros, metrics.conversions FROM ad_group "
    "WHERE segments.date BETWEEN '{start}' AND '{end}'"
)

CAMPAIGN_COLUMNS = {
    "customer_id": pa.string(),
    "campaign_id": pa.int64(),
    "campaign_name": pa.string(),
    "campaign_status": pa.string(),
    "campaign_advertising_channel_type": pa.string(),
}
AD_GROUP_COLUMNS = {
    "customer_id": pa.string(),
    "campaign_id": pa.int64(),
    "ad_group_id": pa.int64(),
    "ad_group_name": pa.string(),
    "ad_group_status": pa.string(),
}
DAILY_COLUMNS = {
    "customer_id": pa.string(),
    "campaign_id": pa.int64(),
    "ad_group_id": pa.int64(),
    "date": pa.date32(),
    "impressions": pa.int64(),
    "clicks": pa.int64(),
    "cost_micros": pa.int64(),
    "conversions": pa.float64(),
}


def gaql_row(result: Any) -> Any:
    """One searchStream result as a flat row: `adGroup.id` → `ad_group_id`, metrics unprefixed."""
    if not isinstance(result, dict):
        return result
    metrics = result.get("metrics", {})
    segments = result.get("segments", {})
    rest = {k: v for k, v in result.items() if k not in ("metrics", "segments")}
    row = {snake_case(k): v for k, v in flatten(rest).items() if not k.endswith("resourceName")}
    row.update({snake_case(k): v for k, v in metrics.items()})
    row.update({snake_case(k): v for k, v in segments.items()})
    return row


@dlt.source(name="google_ads", max_table_nesting=0)
def source(endpoint: Endpoint, ctx: LoadContext) -> Any:
    client = ctx.client(GoogleAdsClient, endpoint)
    customers = client.customer_ids

    def stream(table: Table, columns: dict, gaql: str) -> Iterator[pa.Table]:
        converter = ctx.converter(table, columns)
        for customer in customers:
            pages = ([gaql_row(r) for r in batch] for batch in client.search_stream(customer, gaql))
            yield from ctx.stream(converter, pages)

    campaigns_table = VENDOR.table("campaigns")
    ad_groups_table = VENDOR.table("ad_groups")
    daily_table = VENDOR.table("ad_group_daily")

    @ctx.resource(campaigns_table)
    def campaigns() -> Iterator[pa.Table]:
        yield from stream(campaigns_table, CAMPAIGN_COLUMNS, CAMPAIGNS_GAQL)

    @ctx.resource(ad_groups_table)
    def ad_groups() -> Iterator[pa.Table]:
        yield from stream(ad_groups_table, AD_GROUP_COLUMNS, AD_GROUPS_GAQL)

    @ctx.resource(daily_table)
    def ad_group_daily(day=daily_cursor(ctx, daily_table)) -> Iterator[pa.Table]:
        start, end = window(ctx, day.last_value)
        gaql = DAILY_GAQL.format(start=start.isoformat(), end=end.isoformat())
        yield from stream(daily_table, DAILY_COLUMNS, gaql)

    return [campaigns, ad_groups, ad_group_daily]
