"""The static status page (`docs/status.html`): every check's current status per subject, an
inline SVG chart of its value history, and the open alerts.

Self-contained — inline CSS and SVG, no script, no fetch — so it can be opened from disk, mailed
or published anywhere. Built from `<warehouse>/state/monitor.sqlite` (the `check_results` history
written by `roundtrip health` and the alert tables), opened read-only.
"""

from __future__ import annotations

import html
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.alerts.state import OpenAlert, open_alerts
from monitor.checks.units import UNITS
from monitor.history import StoredResult, read_results
from warehouse.location import WarehousePaths

HISTORY_DAYS = 30
MAX_POINTS = 500  # per check and subject, the newest

STATUS_ORDER = {"fail": 0, "error": 1, "warn": 2, "pass": 3}
STATUS_COLORS = {"pass": "#1a7f37", "warn": "#bf8700", "fail": "#cf222e", "error": "#6e7781"}
SERIES_COLORS = ("#0969da", "#8250df", "#1b7c83", "#bc4c00", "#4d2d00", "#bf3989", "#116329")

# chart geometry (SVG user units)
WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 28


@dataclass(frozen=True)
class Point:
    """One stored result, as the page draws it."""

    check: str
    subject: str
    system: str | None
    status: str
    value: float | None
    unit: str
    threshold: str
    message: str
    observed_at: datetime

    @classmethod
    def from_stored(cls, stored: StoredResult) -> Point:
        r = stored.result
        at = r.observed_at if r.observed_at.tzinfo else r.observed_at.replace(tzinfo=UTC)
        return cls(
            r.check,
            r.subject,
            r.system,
            str(r.status),
            r.value,
            stored.unit,
            r.threshold,
            r.message,
            at,
        )


def load_history(con: sqlite3.Connection) -> list[Point]:
    """The last HISTORY_DAYS of results (counted back from the newest), at most MAX_POINTS per
    check and subject, oldest first; [] before the first health run."""
    exists = con.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'check_results'"
    ).fetchone()[0]
    if not exists:
        return []
    points = sorted((Point.from_stored(s) for s in read_results(con)), key=lambda p: p.observed_at)
    if not points:
        return []
    start = points[-1].observed_at - timedelta(days=HISTORY_DAYS)
    series: dict[tuple[str, str], list[Point]] = defaultdict(list)
    for point in points:
        if point.observed_at >= start:
            series[(point.check, point.subject)].append(point)
    return sorted(
        (p for s in series.values() for p in s[-MAX_POINTS:]), key=lambda p: p.observed_at
    )


# ------------------------------------------------------------------------------- rendering

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;
background:#f6f8fa}
main{max-width:980px;margin:0 auto;padding:24px}
h1{margin:0 0 4px}h2{margin:0;font-size:18px}
.meta{color:#59636e;margin-bottom:20px}
.card{background:#fff;border:1px solid #d1d9e0;border-radius:8px;padding:16px;margin:0 0 16px;
overflow-x:auto}
.head{display:flex;gap:12px;align-items:center;margin-bottom:8px}
.badge{display:inline-block;border-radius:12px;padding:1px 10px;color:#fff;font-weight:600;
font-size:12px;text-transform:uppercase}
.pass{background:#1a7f37}.warn{background:#bf8700}.fail{background:#cf222e}
.error{background:#6e7781}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}
th{font-size:12px;color:#59636e;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}td.time{white-space:nowrap}
svg.chart{width:100%;height:auto;display:block}
svg text{font-size:11px;fill:#59636e}
.legend{font-size:12px;color:#59636e}.legend span{margin-right:12px;white-space:nowrap}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
.empty{color:#59636e;font-style:italic}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit in UNITS:
        return UNITS[unit].format(value)
    return f"{value:,.0f}" if abs(value) >= 1000 or value == int(value) else f"{value:,.3g}"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _badge(status: str) -> str:
    return f'<span class="badge {_e(status)}">{_e(status)}</span>'


def _scale(
    lo: float, hi: float, size: float, start: float, invert: bool = False
) -> Callable[[float], float]:
    """Map [lo, hi] onto [start, start + size] (upside down for the y axis)."""
    span = (hi - lo) or 1.0

    def place(v: float) -> float:
        share = (v - lo) / span
        return round(start + (1 - share if invert else share) * size, 2)

    return place


def chart(check: str, points: list[Point]) -> str:
    """An SVG line chart of one check's values, one series per subject, points by status."""
    plotted = [p for p in points if p.value is not None]
    subjects = sorted({p.subject for p in points})
    colors = {s: SERIES_COLORS[i % len(SERIES_COLORS)] for i, s in enumerate(subjects)}
    parts = [
        f'<svg class="chart" data-check="{_e(check)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="history of {_e(check)}">',
        f'<rect x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" '
        f'height="{HEIGHT - TOP - BOTTOM}" fill="#fff" stroke="#d1d9e0"/>',
    ]
    if not plotted:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">no values yet</text>'
        )
        return "".join(parts) + "</svg>"
    values = [p.value for p in plotted if p.value is not None]
    unit = plotted[-1].unit
    lo, hi = min(*values, 0.0), max(*values, 0.0)  # zero stays on the axis
    if lo == hi:
        hi = lo + 1
    times = [p.observed_at.timestamp() for p in plotted]
    t0, t1 = min(times), max(times)
    if t0 == t1:
        t0, t1 = t0 - 3600, t1 + 3600
    x = _scale(t0, t1, WIDTH - LEFT - RIGHT, LEFT)
    y = _scale(lo, hi, HEIGHT - TOP - BOTTOM, TOP, invert=True)
    labels = {_number(tick, unit): tick for tick in (hi, (lo + hi) / 2, lo)}  # no repeats
    for label, tick in labels.items():
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick)}" y2="{y(tick)}" '
            f'stroke="#eaeef2"/><text x="{LEFT - 6}" y="{y(tick) + 4}" '
            f'text-anchor="end">{_e(label)}</text>'
        )
    first, last = min(p.observed_at for p in plotted), max(p.observed_at for p in plotted)
    parts.append(
        f'<text x="{LEFT}" y="{HEIGHT - 8}">{_e(_stamp(first))}</text>'
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end">{_e(_stamp(last))}</text>'
    )
    for subject in subjects:
        series = [p for p in plotted if p.subject == subject]
        coords = " ".join(f"{x(p.observed_at.timestamp())},{y(p.value or 0)}" for p in series)
        if len(series) > 1:
            parts.append(
                f'<polyline class="series" data-subject="{_e(subject)}" points="{coords}" '
                f'fill="none" stroke="{colors[subject]}" stroke-width="1.5"/>'
            )
        for p in series:
            tip = f"{p.subject} · {_stamp(p.observed_at)} · {_number(p.value, p.unit)} ({p.status})"
            parts.append(
                f'<circle class="point" data-status="{_e(p.status)}" '
                f'cx="{x(p.observed_at.timestamp())}" cy="{y(p.value or 0)}" r="3.5" '
                f'fill="{STATUS_COLORS.get(p.status, "#6e7781")}" stroke="#fff">'
                f"<title>{_e(tip)}</title></circle>"
            )
    parts.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{colors[s]}"></i>{_e(s)}</span>' for s in subjects[:12]
    )
    more = f"<span>+{len(subjects) - 12} more</span>" if len(subjects) > 12 else ""
    return "".join(parts) + f'<div class="legend">{legend}{more}</div>'


def _latest(points: list[Point]) -> list[Point]:
    newest: dict[str, Point] = {}
    for p in points:
        newest[p.subject] = p
    return sorted(newest.values(), key=lambda p: (STATUS_ORDER.get(p.status, 9), p.subject))


def _check_section(check: str, points: list[Point]) -> str:
    latest = _latest(points)
    worst = latest[0].status
    rows = "".join(
        f"<tr><td>{_e(p.subject)}</td><td>{_e(p.system or '')}</td><td>{_badge(p.status)}</td>"
        f'<td class="num">{_e(_number(p.value, p.unit))}</td><td>{_e(p.threshold)}</td>'
        f'<td>{_e(p.message)}</td><td class="time">{_e(_stamp(p.observed_at))}</td></tr>'
        for p in latest
    )
    return (
        f'<section class="card check" data-check="{_e(check)}" data-status="{_e(worst)}">'
        f'<div class="head"><h2>{_e(check)}</h2>{_badge(worst)}</div>'
        "<table><tr><th>subject</th><th>system</th><th>status</th><th>value</th>"
        f"<th>threshold</th><th>message</th><th>observed</th></tr>{rows}</table>"
        f"{chart(check, points)}</section>"
    )


def _alerts_section(alerts: list[OpenAlert]) -> str:
    if not alerts:
        body = '<p class="empty">No open alerts.</p>'
    else:
        rows = "".join(
            f"<tr><td>{_e(a.severity.name.lower())}</td><td>{_e(a.check)}</td>"
            f"<td>{_e(a.subject)}</td><td>{_badge(a.status)}</td><td>{_e(a.message)}</td>"
            f'<td class="time">{_e(_stamp(a.opened_at))}</td><td class="num">{a.notifications}</td></tr>'
            for a in alerts
        )
        body = (
            "<table><tr><th>severity</th><th>check</th><th>subject</th><th>status</th>"
            f"<th>message</th><th>open since</th><th>notified</th></tr>{rows}</table>"
        )
    return f'<section class="card alerts"><h2>Open alerts ({len(alerts)})</h2>{body}</section>'


def render(points: list[Point], alerts: list[OpenAlert], generated_at: datetime) -> str:
    """The whole page as one HTML document."""
    by_check: dict[str, list[Point]] = defaultdict(list)
    for p in points:
        by_check[p.check].append(p)
    order = sorted(by_check, key=lambda c: (STATUS_ORDER.get(_latest(by_check[c])[0].status, 9), c))
    counts: dict[str, int] = defaultdict(int)
    for check in by_check:
        for p in _latest(by_check[check]):
            counts[p.status] += 1
    summary = " ".join(
        f"{_badge(s)} {counts[s]}" for s in ("fail", "error", "warn", "pass") if counts[s]
    )
    sections = "".join(_check_section(c, by_check[c]) for c in order) or (
        '<p class="card empty">No health check has run yet: run <code>roundtrip health</code>.</p>'
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Roundtrip status</title><style>{_CSS}</style></head><body><main>"
        "<h1>Roundtrip status</h1>"
        f'<p class="meta">Generated {_e(_stamp(generated_at))} from the health-check history '
        f"(last {HISTORY_DAYS} days). {summary}</p>"
        f"{_alerts_section(alerts)}{sections}</main></body></html>\n"
    )


def write_status_page(
    paths: WarehousePaths, out: Path, generated_at: datetime | None = None
) -> Path:
    """Render the page from the warehouse's monitor state file (read-only) into `out`."""
    points: list[Point] = []
    alerts: list[OpenAlert] = []
    state_file = paths.state_file("monitor")
    if state_file.exists():
        con = sqlite3.connect(f"file:{state_file}?mode=ro", uri=True)
        try:
            points, alerts = load_history(con), open_alerts(con)
        finally:
            con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(points, alerts, generated_at or datetime.now(UTC)), encoding="utf-8")
    return out
