"""Cursor state and data agree: deleting the working warehouse then loading reloads in full."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from tests.conftest import Project
from warehouse.location import WarehousePaths

pytestmark = pytest.mark.slow


def _counts(path: Path, schema: str) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "and table_name not like '\\_dlt%' escape '\\'",
            [schema],
        ).fetchall()
        return {
            t: con.execute(f'select count(*) from "{schema}"."{t}"').fetchone()[0]
            for (t,) in tables
        }


def test_deleting_the_working_file_then_loading_reloads_in_full(project: Project) -> None:
    paths = WarehousePaths(project.warehouse)
    project.roundtrip("load", "ga4")
    full = _counts(paths.published, "raw_ga4")
    assert full and all(full.values())

    paths.working.unlink()
    reload = project.roundtrip("load", "ga4")

    notices = [line for line in reload.stderr.splitlines() if "reloading it in full" in line]
    assert len(notices) == 1
    assert re.fullmatch(
        r"ga4: raw_ga4 has no load state in the working warehouse \(the saved cursors, state "
        r"v\d+, have no data behind them\): reloading it in full",
        notices[0],
    )
    assert _counts(paths.working, "raw_ga4") == full
    assert _counts(paths.published, "raw_ga4") == full
    # and the next load agrees with the data again: nothing to say
    again = project.roundtrip("load", "ga4")
    assert "reloading" not in again.stderr and "resuming" not in again.stderr


def test_a_working_file_that_lost_systems_is_loaded_but_not_published(project: Project) -> None:
    paths = WarehousePaths(project.warehouse)
    project.roundtrip("load", "ga4", "linkedin_ads")
    published = paths.published.read_bytes()
    paths.working.unlink()

    refused = project.roundtrip("load", "ga4", check=False)

    assert refused.returncode == 1
    errors = [line for line in refused.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "lacks raw_linkedin_ads" in errors[0]
    assert "roundtrip restore" in errors[0]
    assert paths.published.read_bytes() == published
    project.roundtrip("restore")
    assert _counts(paths.working, "raw_linkedin_ads") == _counts(
        paths.published, "raw_linkedin_ads"
    )


def test_a_dropped_raw_table_is_reloaded_in_full(project: Project) -> None:
    paths = WarehousePaths(project.warehouse)
    project.roundtrip("load", "linkedin_ads")
    full = _counts(paths.working, "raw_linkedin_ads")
    with duckdb.connect(str(paths.working)) as con:
        con.execute("drop table raw_linkedin_ads.campaign_daily")

    reload = project.roundtrip("load", "linkedin_ads")

    notices = [line for line in reload.stderr.splitlines() if "reloading it in full" in line]
    assert notices == [
        "linkedin_ads: raw_linkedin_ads lacks campaign_daily in the working warehouse (its saved "
        "cursors have no data behind them): reloading it in full"
    ], reload.stderr
    assert _counts(paths.working, "raw_linkedin_ads") == full
