"""End to end: the sandbox clock moves past the sunset of the Google Ads version Roundtrip speaks
(v26, 2027-11-01 in connectors/api_versions.yml); the load fails with one line naming the version
and the fix, and `api_version_lifecycle` goes Critical."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime

import duckdb
import pytest

from sandbox.state import WorldInfo
from tests.conftest import Project

pytestmark = pytest.mark.slow

PAST_SUNSET = datetime(2027, 11, 2, tzinfo=UTC)


def jump_clock(project: Project, moment: datetime) -> None:
    """Set the world's clock without generating the days between (nothing else changes)."""
    world = WorldInfo.read(project.sandbox)
    assert world is not None
    replace(world, now=moment).write(project.sandbox)
    with duckdb.connect(str(project.sandbox.world_db)) as con:
        con.execute("UPDATE world_meta SET value = ? WHERE key = 'now'", [moment.isoformat()])


def test_a_sunset_version_fails_the_load_and_the_check_goes_critical(project: Project) -> None:
    project.roundtrip("load", "google_ads")
    healthy = project.roundtrip("health", "api_version_lifecycle", check=False)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr

    jump_clock(project, PAST_SUNSET)
    failed = project.roundtrip("load", "google_ads", check=False)
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0
    lines = [line for line in output.splitlines() if "API version v26 is" in line]
    assert lines, output[-3000:]
    assert "is retired or unknown to google_ads" in lines[0]
    assert "Version v26 is deprecated" in lines[0]

    health = project.roundtrip("health", "api_version_lifecycle", check=False)
    assert health.returncode == 2, health.stdout + health.stderr
    # the failed load was not published, yet the check heard the refusal (state file)
    assert latest_result(project, "google_ads") == (
        "fail",
        "critical",
        "google_ads API v26 was refused by the vendor (HTTP 400: Version v26 is deprecated. "
        "Requests to this version will be blocked.): move to a newer version (add it to "
        "connectors/api_versions.yml)",
    )


def latest_result(project: Project, subject: str) -> tuple[str, str, str]:
    with sqlite3.connect(project.warehouse / "state" / "monitor.sqlite") as con:
        return con.execute(
            "select status, severity, message from check_results where check_name = "
            "'api_version_lifecycle' and subject = ? order by run_id desc limit 1",
            [subject],
        ).fetchone()
