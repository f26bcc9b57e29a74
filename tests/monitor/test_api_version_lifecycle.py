"""The `api_version_lifecycle` check at each severity: from the versions table (Google Ads v26,
sunset 2027-11-01 in connectors/api_versions.yml) and from what vendors said during loads."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from monitor.checks.api_versions import Heard, observe
from monitor.results import Severity, Status
from monitor.systems import ApiVersionFacts
from tests.monitor.conftest import MiniWarehouse
from warehouse.api_signals import record_signals

CHECK = json.dumps(
    [
        {
            "name": "api_version_lifecycle",
            "kind": "api_version_lifecycle",
            "owner": "data-platform",
            "schedule": "0 6 * * *",
            "warn": "91d",
            "critical": "31d",
            "severity": "high",
            "warn_severity": "medium",
            "systems": ["google_ads", "linkedin_ads", "meta_ads"],
        }
    ]
)
SUNSET = datetime(2027, 11, 1, 9, 0, tzinfo=UTC)  # Google Ads v26


def result(mini: MiniWarehouse, now: datetime, system: str = "google_ads") -> object:
    results = {r.subject: r for r in mini.evaluate(CHECK, now)}
    return results[system]


@pytest.mark.parametrize(
    ("days_before", "status", "severity"),
    [
        (91, Status.PASS, None),
        (90, Status.WARN, Severity.MEDIUM),
        (31, Status.WARN, Severity.MEDIUM),
        (30, Status.FAIL, Severity.HIGH),
        (1, Status.FAIL, Severity.HIGH),
        (0, Status.FAIL, Severity.CRITICAL),
        (-40, Status.FAIL, Severity.CRITICAL),
    ],
)
def test_days_left_grade_medium_high_critical(
    mini: MiniWarehouse, days_before: int, status: Status, severity: Severity | None
) -> None:
    r = result(mini, SUNSET - timedelta(days=days_before))
    assert (r.status, r.severity) == (status, severity), r.message
    assert "google_ads API v26" in r.message and "2027-11-01" in r.message
    if days_before <= 0:
        assert "was sunset" in r.message and "move to a newer version" in r.message


def test_a_version_without_announced_sunset_passes(mini: MiniWarehouse) -> None:
    r = result(mini, SUNSET, "linkedin_ads")
    assert r.status is Status.PASS and "no sunset announced" in r.message


def _signal(mini: MiniWarehouse, system: str, version: str, kind: str, detail: str, sunset=None):
    """As a load records it: in the state file, seen even when that load was not published."""
    record_signals(mini.paths, "r1", system, [(version, kind, detail, sunset)])


def test_a_sunset_header_from_the_vendor_counts(mini: MiniWarehouse) -> None:
    _signal(mini, "linkedin_ads", "202607", "sunset", "Sunset: Thu, 01 Jul 2027", date(2027, 7, 1))
    r = result(mini, datetime(2027, 6, 10, tzinfo=UTC), "linkedin_ads")
    assert (r.status, r.severity) == (Status.FAIL, Severity.HIGH), r.message
    assert "2027-07-01, in 21 days" in r.message


@pytest.mark.parametrize("kind", ["refused", "auto_upgraded"])
def test_a_refusal_or_auto_upgrade_is_critical_at_once(mini: MiniWarehouse, kind: str) -> None:
    _signal(mini, "meta_ads", "v26.0", kind, "(#2635) You are calling a deprecated version")
    r = result(mini, datetime(2026, 12, 5, tzinfo=UTC), "meta_ads")
    assert (r.status, r.severity) == (Status.FAIL, Severity.CRITICAL)
    assert "meta_ads API v26.0 was refused by the vendor ((#2635)" in r.message


def test_signals_about_another_version_are_ignored(mini: MiniWarehouse) -> None:
    _signal(mini, "meta_ads", "v21.0", "refused", "(#2635) old")
    assert result(mini, datetime(2026, 12, 5, tzinfo=UTC), "meta_ads").status is Status.PASS


def test_the_message_names_the_version_to_move_to() -> None:
    api = ApiVersionFacts("v25", date(2027, 8, 1), "v26", "https://example.com")
    obs = observe("google_ads", api, Heard(), date(2027, 8, 2))
    assert obs.message == "google_ads API v25 was sunset on 2027-08-01 (1 day ago): move to v26"
    near = observe("google_ads", api, Heard(), date(2027, 7, 1))
    assert near.message.endswith("in 31 days: move to v26")
