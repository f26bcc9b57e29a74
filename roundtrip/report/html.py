"""HTML pieces of the report: KPI cards, tables (sortable), chart slots and the page shell.
Every value is escaped; every number also sits raw in a data-value attribute (tests and sorting)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from html import escape
from typing import Any

import plotly.io as pio
from plotly.offline import get_plotlyjs

from roundtrip.report.metrics import Metric

Number = int | float | Decimal | None


def fmt(value: Any, unit: str = "count") -> str:
    """A value as a person reads it: money with a $ and no cents, ratios as %, multiples with a times sign."""
    if value is None:
        return "\u2013"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, str):
        return value
    number = float(value)
    if unit == "currency":
        return f"${number:,.2f}" if abs(number) < 100 else f"${number:,.0f}"
    if unit == "ratio":
        return f"{number:.1%}"
    if unit == "multiple":
        return f"{number:.2f}\u00d7"
    if unit == "days":
        return f"{number:.0f} d"
    return f"{number:,.0f}"


def raw(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def kpi_card(
    name: str,
    label: str,
    period: str,
    value: Number,
    previous: Number,
    unit: str,
    lower_is_better: bool = False,
) -> str:
    """A headline number with its change against the previous period (green when better)."""
    change = ""
    if value is not None and previous:
        delta = (float(value) - float(previous)) / abs(float(previous))
        better = delta <= 0 if lower_is_better else delta >= 0
        change = (
            f'<span class="change {"up" if better else "down"}">{delta:+.0%} vs previous</span>'
        )
    elif value is not None:
        change = '<span class="change">no previous value</span>'
    return (
        f'<div class="kpi" data-kpi="{escape(name)}" data-period="{escape(period)}" '
        f'data-value="{escape(raw(value))}" data-previous="{escape(raw(previous))}">'
        f'<div class="label">{escape(label)}</div><div class="value">{escape(fmt(value, unit))}</div>'
        f"{change}</div>"
    )


def table(name: str, columns: list[tuple[str, str, str]], rows: list[dict[str, Any]]) -> str:
    """A sortable table: columns are (key, heading, unit); click a heading to sort by it."""
    head = "".join(f'<th data-key="{escape(k)}">{escape(h)}</th>' for k, h, _ in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td data-key="{escape(k)}" data-value="{escape(raw(row.get(k)))}"'
            f"{' class=num' if u != 'text' else ''}>{escape(fmt(row.get(k), u))}</td>"
            for k, _, u in columns
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<table class="sortable" data-table="{escape(name)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def chart_slot(name: str) -> str:
    return f'<div class="chart" id="chart-{escape(name)}" data-chart="{escape(name)}"></div>'


def definitions(metrics: dict[str, Metric]) -> str:
    items = "".join(
        f"<dt>{escape(m.label)}</dt><dd>{escape(m.description)} "
        f"<code>sum({escape(m.numerator)}) / sum({escape(m.denominator)})</code></dd>"
        for m in metrics.values()
    )
    return f'<dl class="definitions">{items}</dl>'


STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1f2933;background:#f5f7fa}
header{background:#1f2933;color:#fff;padding:16px 24px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#cbd2d9}main{padding:8px 24px 40px;max-width:1280px;margin:auto}
section{background:#fff;border-radius:8px;padding:12px 16px;margin:16px 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:18px;margin:4px 0 8px}h3{font-size:15px;margin:8px 0}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:8px}
.kpi{border:1px solid #e4e7eb;border-radius:6px;padding:8px}.kpi .label{font-size:12px;color:#616e7c}
.kpi .value{font-size:20px;font-weight:600}.change{font-size:12px;color:#616e7c}
.change.up{color:#2f8132}.change.down{color:#ba2525}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:8px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:4px 8px;border-bottom:1px solid #e4e7eb;text-align:left}
td.num{text-align:right}th{cursor:pointer;background:#f5f7fa;position:sticky;top:0}
th.asc::after{content:" ▲"}th.desc::after{content:" ▼"}
.scroll{max-height:420px;overflow:auto}dl.definitions dt{font-weight:600;margin-top:6px}
dl.definitions dd{margin:0 0 0 12px}code{background:#f5f7fa;padding:0 3px}
"""

# Before any other script: count uncaught errors and console.error calls (the render test reads it).
ERROR_COUNTER = """
window.reportErrors = 0;
window.addEventListener('error', function(){ window.reportErrors += 1; });
(function(original){
  console.error = function(){ window.reportErrors += 1; return original.apply(console, arguments); };
})(console.error);
"""

SCRIPT = """
(function(){
  var pending = Object.keys(FIGURES).map(function(name){
    var fig = FIGURES[name], el = document.getElementById('chart-' + name);
    return Plotly.newPlot(el, fig.data, fig.layout, {displayModeBar: false, responsive: true})
      .then(function(gd){
        var points = 0;
        gd.data.forEach(function(t){ points += (t.type === 'funnel' ? t.x : (t.y || t.x || [])).length; });
        el.dataset.points = points;
      });
  });
  Promise.all(pending).then(function(){
    document.body.dataset.rendered = pending.length;
    document.body.dataset.errors = window.reportErrors;
  });
  document.querySelectorAll('table.sortable th').forEach(function(th){
    th.addEventListener('click', function(){
      var table = th.closest('table'), body = table.tBodies[0], key = th.dataset.key;
      var asc = !th.classList.contains('asc');
      table.querySelectorAll('th').forEach(function(h){ h.classList.remove('asc', 'desc'); });
      th.classList.add(asc ? 'asc' : 'desc');
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function(a, b){
        var x = a.querySelector('td[data-key="' + key + '"]').dataset.value;
        var y = b.querySelector('td[data-key="' + key + '"]').dataset.value;
        var nx = parseFloat(x), ny = parseFloat(y), r;
        if (x === '' || y === '') { r = (x === '') - (y === ''); return r; }
        r = (isNaN(nx) || isNaN(ny)) ? x.localeCompare(y) : nx - ny;
        return asc ? r : -r;
      });
      rows.forEach(function(r){ body.appendChild(r); });
    });
  });
})();
"""


def page(title: str, subtitle: str, sections: list[str], figures: dict[str, Any]) -> str:
    """The whole document: plotly.js, the figures and the script inlined; nothing is fetched."""
    payload = (
        "{"
        + ",".join(
            f"{_js_string(name)}:{pio.to_json(fig, validate=False)}"
            for name, fig in figures.items()
        )
        + "}"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style><script>{ERROR_COUNTER}</script>"
        f"<script>{get_plotlyjs()}</script></head><body>"
        f"<header><h1>{escape(title)}</h1><p>{subtitle}</p></header><main>{''.join(sections)}</main>"
        f"<script>var FIGURES = {_script_safe(payload)};{SCRIPT}</script></body></html>"
    )


def _js_string(text: str) -> str:
    return json.dumps(text)


def _script_safe(js: str) -> str:
    return js.replace("</", "<\\/")
