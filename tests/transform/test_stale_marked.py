"""Stale systems marked: the transform builds on what is there and marks the rows of a system
whose last load failed (marts.system_freshness, campaign_performance_daily.is_stale)."""

from __future__ import annotations

import duckdb
import pytest

from tests.conftest import Project
from warehouse.location import WarehousePaths

pytestmark = pytest.mark.slow


def test_the_rows_of_a_system_whose_load_failed_are_marked_stale(
    transformed_project: Project,
) -> None:
    p = transformed_project
    paths = WarehousePaths(p.warehouse)
    with duckdb.connect(str(paths.working)) as con:
        # what the runner records when LinkedIn's load fails (its raw tables keep the last good load)
        con.execute(
            "insert into monitor.load_runs by name select 'zzzz-failed' as run_id, system, mode, "
            "now() as started_at, now() as finished_at, 'failed' as status, false as full_refresh, "
            "'LinkedIn is unavailable: HTTP 503 after 8 attempts' as error "
            "from monitor.load_runs where system = 'linkedin_ads' limit 1"
        )

    p.roundtrip("transform")

    with duckdb.connect(str(paths.published), read_only=True) as con:
        freshness = {
            row[0]: row[1:]
            for row in con.execute(
                "select system, is_stale, last_load_status, last_load_error, data_as_of is not null, "
                "hours_behind <= allowed_hours from marts.system_freshness"
            ).fetchall()
        }
        marked = dict(
            con.execute(
                "select platform, bool_and(is_stale) = bool_or(is_stale) and bool_or(is_stale) "
                "from marts.campaign_performance_daily group by platform"
            ).fetchall()
        )
        as_of = con.execute(
            "select count(*) from marts.campaign_performance_daily c join marts.system_freshness f "
            "on c.platform = f.system where c.data_as_of is distinct from f.data_as_of"
        ).fetchone()
    assert freshness["linkedin_ads"][:3] == (
        True,
        "failed",
        "LinkedIn is unavailable: HTTP 503 after 8 attempts",
    )
    # every other system loaded, has data and is within its schedule on the sandbox clock
    assert {s: f for s, f in freshness.items() if s != "linkedin_ads"} == {
        s: (False, "succeeded", None, True, True)
        for s in ("hubspot", "salesforce", "google_ads", "meta_ads", "ga4")
    }
    assert marked == {
        "linkedin_ads": True,
        "meta_ads": False,
        "google_ads": False,
        "ga4": False,
        "crm": False,
    }
    assert as_of == (0,)
