"""The report's numbers, each read from the marts with one SQL statement (no second calculation:
ratios use the metric definitions of `metrics.py`)."""

from __future__ import annotations

from typing import Any

import duckdb

from roundtrip.report.metrics import marketing_metrics
from roundtrip.report.period import Period

TOTALS = (
    "spend",
    "leads",
    "opportunities",
    "pipeline_created_amount",
    "won_opportunities",
    "revenue",
)
HEADLINE_METRICS = (
    "cost_per_lead",
    "cost_per_opportunity",
    "customer_acquisition_cost",
    "return_on_ad_spend",
)
LEADERBOARD_METRICS = HEADLINE_METRICS
STAGES = (
    ("lead", "lead_at"),
    ("MQL", "mql_at"),
    ("SQL", "sql_at"),
    ("opportunity", "opportunity_at"),
    ("customer", "customer_at"),
)

Rows = list[dict[str, Any]]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Rows:
    result = con.execute(sql, params or [])
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _metric_columns(names: tuple[str, ...]) -> str:
    metrics = marketing_metrics()
    return ", ".join(f"{metrics[n].sql()} as {n}" for n in names)


def headline(con: duckdb.DuckDBPyConnection, period: Period) -> dict[str, Any]:
    """Totals and headline metrics of the campaign view over `period`."""
    sums = ", ".join(f"coalesce(sum({c}), 0) as {c}" for c in TOTALS)
    return _rows(
        con,
        f"select {sums}, {_metric_columns(HEADLINE_METRICS)}"
        " from marts.campaign_performance_daily where date_day between ? and ?",
        [period.start, period.end],
    )[0]


def weekly_by_channel(con: duckdb.DuckDBPyConnection, period: Period) -> Rows:
    """Spend, leads, pipeline created and revenue per week (Monday) and channel."""
    sums = ", ".join(f"sum({c}) as {c}" for c in TOTALS)
    return _rows(
        con,
        f"select date_trunc('week', date_day) as week, channel, {sums}"
        " from marts.campaign_performance_daily where date_day between ? and ?"
        " group by 1, 2 order by 1, 2",
        [period.start, period.end],
    )


def by_channel(con: duckdb.DuckDBPyConnection, period: Period) -> Rows:
    sums = ", ".join(f"sum({c}) as {c}" for c in TOTALS)
    return _rows(
        con,
        f"select channel, {sums}, {_metric_columns(LEADERBOARD_METRICS)}"
        " from marts.campaign_performance_daily where date_day between ? and ?"
        " group by channel order by sum(spend) desc, channel",
        [period.start, period.end],
    )


def by_campaign(con: duckdb.DuckDBPyConnection, period: Period) -> Rows:
    sums = ", ".join(f"sum({c}) as {c}" for c in TOTALS)
    return _rows(
        con,
        f"select platform, channel, min(campaign_name) as campaign_name, {sums},"
        f" {_metric_columns(LEADERBOARD_METRICS)}"
        " from marts.campaign_performance_daily where date_day between ? and ?"
        " group by platform, channel, coalesce(campaign_id, utm_campaign)"
        " having sum(spend) <> 0 or sum(leads) <> 0 or sum(revenue) <> 0"
        " order by sum(spend) desc, campaign_name",
        [period.start, period.end],
    )


def funnel(con: duckdb.DuckDBPyConnection) -> Rows:
    """People who reached each lifecycle stage, and median days from the stage before."""
    parts = []
    for i, (label, column) in enumerate(STAGES):
        before = STAGES[i - 1][1] if i else None
        median = (
            f"median(date_diff('day', {before}, {column}))"
            f" filter (where {before} is not null and {column} >= {before})"
            if before
            else "cast(null as double)"
        )
        parts.append(
            f"select {i} as position, '{label}' as stage, count({column}) as people,"
            f" {median} as median_days_from_previous from marts.customers"
        )
    return _rows(con, " union all ".join(parts) + " order by position")


def attribution(con: duckdb.DuckDBPyConnection, period: Period) -> Rows:
    """Closed-won revenue by channel under each attribution model, conversions in `period`."""
    return _rows(
        con,
        "select attribution_model, channel, sum(attributed_revenue) as attributed_revenue"
        " from marts.attribution_touches where converted_on between ? and ?"
        " group by 1, 2 order by 1, 2",
        [period.start, period.end],
    )


def score_calibration(con: duckdb.DuckDBPyConnection) -> Rows:
    """Per lead-score tier: people, how many became customers, and that share."""
    return _rows(
        con,
        "select lead_tier, count(*) as people, count(customer_at) as customers,"
        " count(customer_at) / count(*) as conversion_rate"
        " from marts.customers where lead_tier is not null group by 1 order by 1",
    )


def identity_overlap(con: duckdb.DuckDBPyConnection) -> Rows:
    """People by the CRM systems that hold a record of them."""
    return _rows(
        con,
        "select case"
        " when in_hubspot and in_salesforce then 'HubSpot and Salesforce'"
        " when in_hubspot then 'HubSpot only' else 'Salesforce only' end as systems,"
        " count(*) as people from ("
        "  select hubspot_contact_id is not null or form_submission_count > 0 as in_hubspot,"
        "  salesforce_lead_id is not null or salesforce_contact_id is not null as in_salesforce"
        "  from marts.customers) group by 1 order by 1",
    )


def freshness(con: duckdb.DuckDBPyConnection) -> Rows:
    """Per source system loaded: its last completed load and newest activity day in the marts."""
    schemas = [
        s
        for (s,) in con.execute(
            "select schema_name from information_schema.schemata where schema_name like 'raw\\_%' escape '\\'"
            " and schema_name not like '%\\_staging' escape '\\'"
        ).fetchall()
    ]
    newest = dict(
        con.execute("select platform, newest_activity_day from marts.data_as_of").fetchall()
    )
    platform_of = {"hubspot": "crm", "salesforce": "crm"}
    rows = []
    for schema in sorted(schemas):
        system = schema.removeprefix("raw_")
        (loaded,) = con.execute(
            f'select max(inserted_at) from "{schema}"._dlt_loads where status = 0'
        ).fetchone()
        rows.append(
            {
                "system": system,
                "last_loaded_at": loaded,
                "newest_day": newest.get(platform_of.get(system, system)),
            }
        )
    return rows
