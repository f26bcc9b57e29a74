"""The static status page: content from the check history and open alerts, self-contained, and
rendered by headless Chromium (one chart per check with its points; a screenshot that is not
blank)."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from monitor.alerts.router import dispatch
from monitor.alerts.state import open_alerts
from monitor.history import connect_history, read_results, record_run
from monitor.results import CheckResult, Severity, Status
from monitor.status_page import STATUS_COLORS, write_status_page
from tests.conftest import Project
from tests.monitor.receivers import alerts_config
from warehouse.location import WarehousePaths

T0 = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
UNITS = {"crm_record_count": "count", "lead_latency_p95": "min", "dbt_tests": "count"}


def result(
    check: str, subject: str, status: Status, value: float | None, hours: int
) -> CheckResult:
    return CheckResult(
        check=check,
        subject=subject,
        system=subject.split(".")[0],
        status=status,
        severity=None if status is Status.PASS else Severity.HIGH,
        value=value,
        threshold="< 50% of expected",
        message=f"{subject}: {value}",
        observed_at=T0 + timedelta(hours=hours),
        details={"unit": UNITS[check]},
    )


HISTORY = [
    *(result("crm_record_count", "hubspot.contacts", Status.PASS, 1200 + h, h) for h in range(6)),
    *(result("crm_record_count", "salesforce.leads", Status.PASS, 800 - h, h) for h in range(5)),
    result("crm_record_count", "salesforce.leads", Status.FAIL, 37, 5),
    *(
        result("lead_latency_p95", "<b>hubspot</b>.form_submissions", Status.PASS, 2.5, h)
        for h in range(4)
    ),
    result("lead_latency_p95", "<b>hubspot</b>.form_submissions", Status.WARN, 6.1, 4),
    result("dbt_tests", "dbt", Status.ERROR, None, 0),
]


@pytest.fixture
def warehouse(tmp_path: Path) -> WarehousePaths:
    """A warehouse folder whose monitor state holds HISTORY (one health run per hour, stored
    the way `roundtrip health` stores it) and the alerts it opened."""
    paths = WarehousePaths(tmp_path / "warehouse")
    con = connect_history(paths)
    runs: dict[datetime, list[CheckResult]] = defaultdict(list)
    for r in HISTORY:
        runs[r.observed_at].append(r)
    for at, results in sorted(runs.items()):
        record_run(con, results, checks=sorted(UNITS), observed_at=at, started_at=at)
    latest = {r.alert_key: r for r in HISTORY}
    dispatch(list(latest.values()), alerts_config(paths.root), con, T0 + timedelta(hours=5))
    con.close()
    return paths


class Dom(HTMLParser):
    """Charts (svg.chart by data-check) and their points' statuses; every external reference."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.charts: dict[str, list[str]] = defaultdict(list)
        self.sections: list[str] = []
        self.references: list[str] = []
        self._chart: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.references += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href")]
        if tag == "section" and "check" in (a.get("class") or "").split():
            self.sections.append(a["data-check"] or "")
        if tag == "svg" and "chart" in (a.get("class") or "").split():
            self._chart = a["data-check"]
            self.charts.setdefault(self._chart or "", [])  # a chart without points counts
        if tag == "circle" and self._chart is not None and a.get("class") == "point":
            self.charts[self._chart].append(a.get("data-status") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._chart = None


def expected_points() -> dict[str, Counter[str]]:
    points: dict[str, Counter[str]] = defaultdict(Counter)
    for r in HISTORY:
        points.setdefault(r.check, Counter())  # every check has a chart, values or not
        if r.value is not None:
            points[r.check][str(r.status)] += 1
    return points


def test_page_without_history_says_so(tmp_path: Path) -> None:
    out = write_status_page(WarehousePaths(tmp_path / "empty"), tmp_path / "status.html")
    text = out.read_text()
    assert "No health check has run yet" in text and "No open alerts." in text
    assert Dom(text).charts == {}


def test_page_has_every_check_its_points_and_open_alerts_and_nothing_external(
    tmp_path: Path, warehouse: WarehousePaths
) -> None:
    text = write_status_page(warehouse, tmp_path / "docs" / "status.html").read_text()
    dom = Dom(text)
    assert {c: Counter(s) for c, s in dom.charts.items()} == expected_points()
    assert dom.sections[0] == "crm_record_count"  # failing checks first
    assert dom.references == [] and "<script" not in text and "<link" not in text
    assert "&lt;b&gt;hubspot&lt;/b&gt;.form_submissions" in text and "<b>hubspot" not in text
    assert "Open alerts (3)" in text  # crm_record_count/salesforce.leads, latency, dbt_tests


def png_pixels(path: Path) -> list[tuple[int, ...]]:
    """Decode an 8-bit, non-interlaced RGB/RGBA PNG (what Chromium writes) into pixels."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and color in (2, 6) and interlace == 0
    channels = 3 if color == 2 else 4
    raw, stride = zlib.decompress(idat), width * channels
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(line)
        previous = line
    return [tuple(row[i : i + 3]) for row in rows for i in range(0, stride, channels)]


@pytest.mark.slow
def test_page_renders_in_headless_chromium(tmp_path: Path, warehouse: WarehousePaths) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it with apt-get")
        pytest.skip("chromium is not installed")
    page = write_status_page(warehouse, tmp_path / "status.html")
    flags = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'chromium'}",
        "--window-size=1000,1400",
    ]
    run = {"capture_output": True, "text": True, "timeout": 120, "check": True}
    dom = Dom(subprocess.run([*flags, "--dump-dom", page.as_uri()], **run).stdout)
    assert {c: Counter(s) for c, s in dom.charts.items()} == expected_points()

    shot = tmp_path / "status.png"
    subprocess.run([*flags, f"--screenshot={shot}", page.as_uri()], **run)
    pixels = png_pixels(shot)
    background = Counter(pixels).most_common(1)[0][0]
    assert sum(p != background for p in pixels) > len(pixels) // 50, "the screenshot is blank"
    red = tuple(int(STATUS_COLORS["fail"][i : i + 2], 16) for i in (1, 3, 5))
    assert red in set(pixels), "the failing status colour is not on screen"


@pytest.mark.slow
def test_roundtrip_docs_writes_the_status_page_of_the_last_health_run(
    transformed_project: Project,
) -> None:
    health = transformed_project.roundtrip("health", check=False)
    assert health.returncode in (0, 1, 2), health.stderr
    docs = transformed_project.roundtrip("docs")
    page = transformed_project.root / "docs" / "status.html"
    assert f"wrote {page}" in docs.stdout
    paths = WarehousePaths(transformed_project.warehouse)
    con = connect_history(paths)
    try:
        checks = {s.result.check for s in read_results(con)}
        alerts = open_alerts(con)
    finally:
        con.close()
    text = page.read_text()
    assert set(Dom(text).charts) == checks
    assert f"Open alerts ({len(alerts)})" in text
