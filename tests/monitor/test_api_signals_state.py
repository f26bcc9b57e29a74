"""Version signals live in the monitor state file and reach the warehouse on publish."""

from __future__ import annotations

from datetime import date

import duckdb

from warehouse.api_signals import heard, record_signals
from warehouse.location import WarehousePaths
from warehouse.publish import publish


def test_signals_are_read_back_and_mirrored_on_publish(tmp_path) -> None:
    paths = WarehousePaths(tmp_path / "warehouse").ensure()
    assert heard(paths, "linkedin_ads", "202607") == (None, "")
    record_signals(
        paths,
        "r1",
        "linkedin_ads",
        [
            ("202607", "sunset", "Sunset: Thu, 01 Jul 2027 00:00:00 GMT", date(2027, 7, 1)),
            ("202607", "refused", "HTTP 426: Requested version 20260701 is not active", None),
            ("202601", "refused", "another version", None),
        ],
    )
    assert heard(paths, "linkedin_ads", "202607") == (
        date(2027, 7, 1),
        "HTTP 426: Requested version 20260701 is not active",
    )
    duckdb.connect(str(paths.working)).close()
    publish(paths)
    with duckdb.connect(str(paths.published), read_only=True) as con:
        rows = con.execute(
            "select api_version, kind, sunset from monitor.api_version_signals order by all"
        ).fetchall()
    assert rows == [
        ("202601", "refused", None),
        ("202607", "refused", None),
        ("202607", "sunset", date(2027, 7, 1)),
    ]
