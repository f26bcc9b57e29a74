"""docs/report.html: rendered by headless Chromium without errors, every chart with points, and its
totals equal to SQL on the marts; `roundtrip report` with --from/--to and a bad period."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from roundtrip.report import write_report
from tests.conftest import Project

pytestmark = pytest.mark.slow

CHARTS = 12


class ReportDom(HTMLParser):
    """The report's KPI cards, chart slots, table cells and body attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.body: dict[str, str] = {}
        self.kpis: dict[tuple[str, str], dict[str, str]] = {}
        self.charts: dict[str, dict[str, str]] = {}
        self.cells: dict[str, list[dict[str, str]]] = {}
        self.external: list[str] = []
        self._table = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "body":
            self.body = a
        if "data-kpi" in a:
            self.kpis[(a["data-period"], a["data-kpi"])] = a
        if "data-chart" in a:
            self.charts[a["data-chart"]] = a
        if tag == "table":
            self._table = a.get("data-table", "")
        if tag == "td":
            self.cells.setdefault(self._table, []).append(a)
        if tag in ("script", "img", "link", "iframe") and (a.get("src") or a.get("href")):
            self.external.append(a.get("src") or a.get("href") or "")

    def column(self, table: str, key: str) -> list[str]:
        return [c["data-value"] for c in self.cells.get(table, []) if c["data-key"] == key]


@pytest.fixture(scope="module")
def marts(transformed: Project) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(transformed.warehouse / "roundtrip.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def report(transformed: Project, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    return write_report(transformed.warehouse / "roundtrip.duckdb", out)


def as_of(marts: duckdb.DuckDBPyConnection) -> date:
    return marts.execute(
        "select max(date_day) from marts.campaign_performance_daily"
        " where spend <> 0 or sessions <> 0 or leads <> 0 or opportunities <> 0"
    ).fetchone()[0]


def sums(marts: duckdb.DuckDBPyConnection, start: date, end: date) -> dict[str, Decimal]:
    row = marts.execute(
        "select sum(spend), sum(leads), sum(opportunities), sum(pipeline_created_amount),"
        " sum(won_opportunities), sum(revenue) from marts.campaign_performance_daily"
        " where date_day between ? and ?",
        [start, end],
    ).fetchone()
    names = (
        "spend",
        "leads",
        "opportunities",
        "pipeline_created_amount",
        "won_opportunities",
        "revenue",
    )
    return {n: Decimal(v or 0) for n, v in zip(names, row, strict=True)}


def test_report_is_self_contained(report: Path) -> None:
    dom = ReportDom(report.read_text())
    assert not dom.external, dom.external
    assert len(dom.charts) == CHARTS


def test_totals_and_metrics_equal_sql_on_the_marts(report: Path, marts) -> None:
    dom = ReportDom(report.read_text())
    end = as_of(marts)
    assert f'data-as-of="{end.isoformat()}"' in report.read_text()
    for days in (30, 90):
        start = end - timedelta(days=days - 1)
        want = sums(marts, start, end)
        before = sums(marts, start - timedelta(days=days), start - timedelta(days=1))
        assert want["spend"] > 0 and want["leads"] > 0
        for name, value in want.items():
            card = dom.kpis[(str(days), name)]
            assert Decimal(card["data-value"]) == value, (days, name)
            assert Decimal(card["data-previous"]) == before[name], (days, name)
        cpl = float(dom.kpis[(str(days), "cost_per_lead")]["data-value"])
        assert cpl == pytest.approx(float(want["spend"] / want["leads"]))
        roas = float(dom.kpis[(str(days), "return_on_ad_spend")]["data-value"])
        assert roas == pytest.approx(float(want["revenue"] / want["spend"]))
    ninety = sums(marts, end - timedelta(days=89), end)
    for table in ("channels", "campaigns"):
        assert sum(Decimal(v) for v in dom.column(table, "spend")) == ninety["spend"], table
        assert sum(Decimal(v) for v in dom.column(table, "revenue")) == ninety["revenue"], table
    people = marts.execute(
        "select count(lead_at), count(customer_at) from marts.customers"
    ).fetchone()
    assert [int(v) for v in dom.column("funnel", "people")][::4] == [people[0], people[1]]


@pytest.mark.skipif(
    not (shutil.which("chromium") or shutil.which("chromium-browser")) and not os.environ.get("CI"),
    reason="chromium is not installed",
)
def test_report_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "chromium is missing: .ci/run installs it with apt-get"
    result = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium'}",
            "--window-size=1280,4000",
            "--virtual-time-budget=10000",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            report.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dom = ReportDom(result.stdout)
    assert dom.body.get("data-rendered") == str(CHARTS), "not every chart finished drawing"
    assert dom.body.get("data-errors") == "0", "the page logged errors"
    console = [line for line in result.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console[:5]
    empty = [name for name, chart in dom.charts.items() if int(chart.get("data-points", 0)) == 0]
    assert not empty, empty
    drawn = result.stdout.count('class="main-svg"')
    assert drawn >= CHARTS, drawn


def test_roundtrip_report_takes_a_period_and_rejects_a_bad_one(
    transformed_project: Project, marts
) -> None:
    end = as_of(marts) - timedelta(days=30)
    start = end - timedelta(days=29)
    done = transformed_project.roundtrip("report", "--from", str(start), "--to", str(end))
    page = transformed_project.root / "docs" / "report.html"
    assert done.stdout.strip() == f"wrote {page}"
    assert f'data-period-start="{start}" data-period-end="{end}"' in page.read_text()
    bad = transformed_project.roundtrip(
        "report", "--from", str(end), "--to", str(start), check=False
    )
    assert bad.returncode == 2
    assert bad.stderr.strip() == f"Error: --from {end} is after --to {start}"
