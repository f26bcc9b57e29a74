"""The report's charts as plotly figures (plain data in, figure out; rendered offline by the
plotly.js bundled with the plotly package)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import plotly.graph_objects as go

from roundtrip.report.queries import Rows

LAYOUT: dict[str, Any] = {
    "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
    "height": 320,
    "legend": {"orientation": "h", "y": -0.2},
    "template": "plotly_white",
}


# One colour per channel of seed channel_taxonomy, the same in every chart.
CHANNEL_COLORS = {
    "search": "#3b82f6",
    "display": "#8b5cf6",
    "video": "#ec4899",
    "social": "#14b8a6",
    "email": "#f59e0b",
    "organic": "#22c55e",
    "referral": "#64748b",
    "direct": "#94a3b8",
    "event": "#ef4444",
    "unattributed": "#d4d4d8",
}


def _color(channel: str) -> str:
    return CHANNEL_COLORS.get(channel, "#475569")


def _figure(title: str, traces: list[Any], **layout: Any) -> go.Figure:
    return go.Figure(data=traces, layout={**LAYOUT, "title": {"text": title}, **layout})


def trend(rows: Rows, measure: str, title: str) -> go.Figure:
    """One stacked bar series per channel: `measure` per week."""
    series: dict[str, dict[Any, float]] = defaultdict(dict)
    for row in rows:
        series[row["channel"]][row["week"]] = float(row[measure] or 0)
    traces = [
        go.Bar(
            name=channel,
            x=[str(w) for w in points],
            y=list(points.values()),
            marker_color=_color(channel),
        )
        for channel, points in sorted(series.items())
        if any(points.values())
    ]
    return _figure(title, traces, barmode="stack")


def channel_metric(rows: Rows, metric: str, title: str) -> go.Figure:
    shown = [r for r in rows if r[metric] is not None and r["spend"]]  # paid channels only
    bar = go.Bar(
        x=[r["channel"] for r in shown],
        y=[r[metric] for r in shown],
        marker_color=[_color(r["channel"]) for r in shown],
    )
    return _figure(title, [bar])


def funnel(rows: Rows) -> go.Figure:
    return _figure(
        "Lifecycle funnel (people who reached each stage)",
        [
            go.Funnel(
                y=[r["stage"] for r in rows],
                x=[r["people"] for r in rows],
                textinfo="value+percent previous",
            )
        ],
    )


def attribution(rows: Rows) -> go.Figure:
    """Grouped bars: one series per attribution model, revenue per channel."""
    models: dict[str, dict[str, float]] = defaultdict(dict)
    for row in rows:
        models[row["attribution_model"]][row["channel"]] = float(row["attributed_revenue"])
    channels = sorted({r["channel"] for r in rows})
    traces = [
        go.Bar(name=model, x=channels, y=[by_channel.get(c, 0.0) for c in channels])
        for model, by_channel in sorted(models.items())
    ]
    return _figure(
        "Closed-won revenue by channel under each attribution model", traces, barmode="group"
    )


def calibration(rows: Rows) -> go.Figure:
    return _figure(
        "Lead-score tier vs actual conversion to customer",
        [
            go.Bar(
                x=[r["lead_tier"] for r in rows],
                y=[r["conversion_rate"] for r in rows],
                text=[f"{r['customers']} of {r['people']}" for r in rows],
            )
        ],
        yaxis={"tickformat": ".1%"},
    )


def overlap(rows: Rows) -> go.Figure:
    return _figure(
        "People by the CRM systems that hold them",
        [go.Bar(x=[r["systems"] for r in rows], y=[r["people"] for r in rows])],
    )
