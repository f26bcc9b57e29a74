"""Assemble docs/report.html from the published warehouse: query the marts, chart, write."""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

import duckdb

from roundtrip.report import charts, queries
from roundtrip.report.html import chart_slot, definitions, fmt, kpi_card, page, table
from roundtrip.report.metrics import marketing_metrics
from roundtrip.report.period import Period, as_of_date

DEFAULT_DAYS = (30, 90)
KPI_UNITS = {
    "spend": "currency",
    "leads": "count",
    "opportunities": "count",
    "pipeline_created_amount": "currency",
    "won_opportunities": "count",
    "revenue": "currency",
}
KPI_LABELS = {
    "spend": "Ad spend",
    "leads": "Leads",
    "opportunities": "Opportunities",
    "pipeline_created_amount": "Pipeline created",
    "won_opportunities": "Deals won",
    "revenue": "Revenue (closed won)",
}
TOTAL_COLUMNS = [(k, KPI_LABELS[k], u) for k, u in KPI_UNITS.items()]


def report_periods(as_of: date, start: date | None, end: date | None) -> list[Period]:
    """--from/--to when given (each defaulting to the other's side of the data), else 30 and 90 days."""
    if start is None and end is None:
        return [Period.ending(as_of, days) for days in DEFAULT_DAYS]
    end = end or as_of
    start = start or Period.ending(end, DEFAULT_DAYS[0]).start
    if start > end:
        raise ValueError(f"--from {start} is after --to {end}")
    return [Period(start, end)]


def write_report(
    published: Path, out: Path, start: date | None = None, end: date | None = None
) -> Path:
    """Write the report for the given period (default: last 30 and 90 days to the as-of date)."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        as_of = as_of_date(con)
        periods = report_periods(as_of, start, end)
        html = _render(con, as_of, periods)
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out


def _render(con: duckdb.DuckDBPyConnection, as_of: date, periods: list[Period]) -> str:
    metrics = marketing_metrics()
    main = periods[-1]
    sections = [_headline(con, periods, metrics)]
    figures = {}

    weekly = queries.weekly_by_channel(con, main)
    trend_names = []
    for measure in KPI_UNITS:
        if measure in ("opportunities", "won_opportunities"):
            continue
        figures[f"trend_{measure}"] = charts.trend(
            weekly, measure, f"{KPI_LABELS[measure]} per week by channel"
        )
        trend_names.append(f"trend_{measure}")
    sections.append(
        _section("Trends by channel", main, "".join(chart_slot(n) for n in trend_names), grid=True)
    )

    channels = queries.by_channel(con, main)
    for name in queries.LEADERBOARD_METRICS:
        figures[f"channel_{name}"] = charts.channel_metric(
            channels, name, f"{metrics[name].label} by channel"
        )
    metric_columns = [(n, metrics[n].label, metrics[n].unit) for n in queries.LEADERBOARD_METRICS]
    sections.append(
        _section(
            "Cost and return by channel",
            main,
            "".join(chart_slot(f"channel_{n}") for n in queries.LEADERBOARD_METRICS),
            grid=True,
            after=table(
                "channels",
                [("channel", "Channel", "text"), *TOTAL_COLUMNS, *metric_columns],
                channels,
            ),
        )
    )

    campaigns = queries.by_campaign(con, main)
    leaderboard = table(
        "campaigns",
        [
            ("campaign_name", "Campaign", "text"),
            ("platform", "Platform", "text"),
            ("channel", "Channel", "text"),
            *TOTAL_COLUMNS,
            *metric_columns,
        ],
        campaigns,
    )
    sections.append(
        _section(
            "Campaign leaderboard (click a heading to sort)",
            main,
            f'<div class="scroll">{leaderboard}</div>',
        )
    )

    stages = queries.funnel(con)
    for i, stage in enumerate(stages):
        stage["conversion_from_previous"] = (
            stage["people"] / stages[i - 1]["people"] if i and stages[i - 1]["people"] else None
        )
    figures["funnel"] = charts.funnel(stages)
    sections.append(
        _section(
            "Lifecycle funnel",
            None,
            chart_slot("funnel"),
            after=table(
                "funnel",
                [
                    ("stage", "Stage", "text"),
                    ("people", "People", "count"),
                    ("conversion_from_previous", "Conversion from previous stage", "ratio"),
                    ("median_days_from_previous", "Median days from previous stage", "days"),
                ],
                stages,
            ),
            note="Every person in marts.customers up to the as-of date, by the stages they reached.",
        )
    )

    figures["attribution"] = charts.attribution(queries.attribution(con, main))
    sections.append(
        _section(
            "Attribution models side by side",
            main,
            chart_slot("attribution"),
            note="Conversions (closed-won opportunities) closed in the period.",
        )
    )

    tiers = queries.score_calibration(con)
    figures["calibration"] = charts.calibration(tiers)
    figures["overlap"] = charts.overlap(queries.identity_overlap(con))
    sections.append(
        _section(
            "Lead score calibration and identity overlap",
            None,
            chart_slot("calibration") + chart_slot("overlap"),
            grid=True,
        )
    )

    sections.append(
        _section(
            "Data freshness per source",
            None,
            table(
                "freshness",
                [
                    ("system", "Source", "text"),
                    ("last_loaded_at", "Last load", "text"),
                    ("newest_day", "Newest activity day in the marts", "text"),
                ],
                queries.freshness(con),
            ),
        )
    )
    sections.append(
        _section(
            "Metric definitions",
            None,
            definitions(metrics),
            note="Defined once in dbt_project.yml (var marketing_metrics); the marts use the same.",
        )
    )
    subtitle = (
        f'Data as of <strong data-as-of="{as_of.isoformat()}">{as_of:%Y-%m-%d}</strong> · '
        + " · ".join(escape(p.label()) for p in periods)
        + " · every number from the marts of the published warehouse"
    )
    return page("Roundtrip marketing performance", subtitle, sections, figures)


def _headline(con: duckdb.DuckDBPyConnection, periods: list[Period], metrics: dict) -> str:
    blocks = []
    for period in periods:
        now, before = queries.headline(con, period), queries.headline(con, period.previous())
        cards = [
            kpi_card(k, KPI_LABELS[k], str(period.days), now[k], before[k], u)
            for k, u in KPI_UNITS.items()
        ]
        cards += [
            kpi_card(
                n,
                metrics[n].label,
                str(period.days),
                now[n],
                before[n],
                metrics[n].unit,
                lower_is_better=metrics[n].numerator == "spend",
            )
            for n in queries.HEADLINE_METRICS
        ]
        blocks.append(
            f'<h3 data-period-start="{period.start.isoformat()}" data-period-end="{period.end.isoformat()}">'
            f"{escape(period.label())} vs {escape(period.previous().label())}</h3>"
            f'<div class="kpis">{"".join(cards)}</div>'
        )
    return _section("Headline", None, "".join(blocks))


def _section(
    title: str,
    period: Period | None,
    body: str,
    *,
    grid: bool = False,
    after: str = "",
    note: str = "",
) -> str:
    scope = f" <small>{escape(period.label())}</small>" if period else ""
    notes = f"<p><small>{escape(note)}</small></p>" if note else ""
    inner = f'<div class="grid2">{body}</div>' if grid else body
    return f"<section><h2>{escape(title)}{scope}</h2>{notes}{inner}{after}</section>"


__all__ = ["fmt", "report_periods", "write_report"]
