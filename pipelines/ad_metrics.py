"""What the ad-platform and analytics sources share: the restatement window and row flattening."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import dlt

from connectors.vendor import Table
from pipelines.context import LoadContext, followed_cursor

# How far back the first load of daily metrics reaches.
DEFAULT_HISTORY_DAYS = 730


def daily_cursor(ctx: LoadContext, table: Table) -> Any:
    """An incremental on `table.cursor` (a date column) that steps back `ctx.ad_lag_days` on
    every load, because platforms restate recent days (dlt's `lag` is in days for date cursors).
    A resource's default argument (ruff knows it as immutable: pyproject.toml)."""
    return dlt.sources.incremental(
        followed_cursor(table),
        initial_value=ctx.now.date() - timedelta(days=DEFAULT_HISTORY_DAYS),
        lag=ctx.ad_lag_days,
    )


def window(ctx: LoadContext, start: date) -> tuple[date, date]:
    """The inclusive date range to read: from the (lagged) cursor to today in the source's clock."""
    return start, ctx.now.date()


def flatten(record: Any, prefix: str = "") -> Any:
    """Nested objects become `parent_child` keys (`{"campaign": {"id": 1}}` → `campaign_id`)."""
    if not isinstance(record, Mapping):
        return record
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}_"))
        else:
            flat[name] = value
    return flat


def snake_case(name: str) -> str:
    """`campaignGroup` → `campaign_group` (the vendors' camelCase field names)."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def snake_keys(record: Any) -> Any:
    """A record with its top-level keys in snake_case (non-objects pass through for rejection)."""
    if not isinstance(record, Mapping):
        return record
    return {snake_case(k): v for k, v in record.items()}
