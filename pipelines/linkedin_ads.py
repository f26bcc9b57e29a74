"""LinkedIn → `raw_linkedin_ads`: campaign groups (our campaigns), campaigns (our ad groups) and
daily campaign analytics.

`adAnalytics` has no pagination, so the client splits the date range into windows small enough
for one response. Daily rows merge on (account_id, campaign_urn, date) and re-read the last
`ad_lag_days` on every load; metadata is replaced. Keys, cursors and dispositions are
`connectors.linkedin_ads.VENDOR`'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

import dlt
import pyarrow as pa

from connectors.client import Endpoint
from connectors.linkedin_ads import VENDOR, LinkedInAdsClient
from pipelines.ad_metrics import daily_cursor, snake_keys, window
from pipelines.context import LoadContext

ANALYTICS_FIELDS = ("impressions", "clicks", "costInLocalCurrency", "oneClickLeads")
GROUP_COLUMNS = {
    "account_id": pa.string(),
    "account": pa.string(),
    "id": pa.int64(),
    "name": pa.string(),
    "status": pa.string(),
}
CAMPAIGN_COLUMNS = {**GROUP_COLUMNS, "campaign_group": pa.string(), "type": pa.string()}
DAILY_COLUMNS = {
    "account_id": pa.string(),
    "campaign_urn": pa.string(),
    "campaign_id": pa.int64(),
    "date": pa.date32(),
    "impressions": pa.int64(),
    "clicks": pa.int64(),
    "cost_in_local_currency": pa.decimal128(14, 2),
    "one_click_leads": pa.int64(),
}


def analytics_row(account: str, element: Any) -> Any:
    """An adAnalytics element as a flat daily row keyed by the campaign's URN."""
    if not isinstance(element, Mapping):
        return element
    urn = (element.get("pivotValues") or [None])[0]
    start = (element.get("dateRange") or {}).get("start") or {}
    day = date(start["year"], start["month"], start["day"]) if start else None
    return {
        "account_id": account,
        "campaign_urn": urn,
        "campaign_id": urn.rsplit(":", 1)[-1] if isinstance(urn, str) else None,
        "date": day,
        "impressions": element.get("impressions"),
        "clicks": element.get("clicks"),
        "cost_in_local_currency": element.get("costInLocalCurrency"),
        "one_click_leads": element.get("oneClickLeads"),
    }


def _with_account(account: str, page: list[Any]) -> list[Any]:
    """Metadata rows in snake_case, tagged with the ad account they were read from."""
    return [{**snake_keys(r), "account_id": account} if isinstance(r, Mapping) else r for r in page]


@dlt.source(name="linkedin_ads", max_table_nesting=0)
def source(endpoint: Endpoint, ctx: LoadContext) -> Any:
    client = ctx.client(LinkedInAdsClient, endpoint)

    groups_table = VENDOR.table("campaign_groups")
    campaigns_table = VENDOR.table("campaigns")
    daily_table = VENDOR.table("campaign_daily")

    @ctx.resource(groups_table)
    def campaign_groups() -> Iterator[pa.Table]:
        converter = ctx.converter(groups_table, GROUP_COLUMNS)
        for account in client.account_ids:
            pages = (_with_account(account, p) for p in client.campaign_groups(account))
            yield from ctx.stream(converter, pages)

    @ctx.resource(campaigns_table)
    def campaigns() -> Iterator[pa.Table]:
        converter = ctx.converter(campaigns_table, CAMPAIGN_COLUMNS)
        for account in client.account_ids:
            pages = (_with_account(account, p) for p in client.campaigns(account))
            yield from ctx.stream(converter, pages)

    @ctx.resource(daily_table)
    def campaign_daily(day=daily_cursor(ctx, daily_table)) -> Iterator[pa.Table]:
        start, end = window(ctx, day.last_value)
        converter = ctx.converter(daily_table, DAILY_COLUMNS)
        for account in client.account_ids:
            pages = (
                [analytics_row(account, e) for e in page]
                for page in client.ad_analytics(account, start, end, ANALYTICS_FIELDS)
            )
            yield from ctx.stream(converter, pages)

    return [campaign_groups, campaigns, campaign_daily]
