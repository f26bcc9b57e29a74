"""monitor.yml's `checks:` section: the shipped defaults, and one clear error per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from monitor.checks import KINDS
from monitor.config import DEFAULT_PATH, MonitorConfigError, load_monitor_config, parse_checks
from monitor.results import Severity
from tests.monitor.conftest import watched

WATCHED = watched(Path("."))

GOOD = {
    "name": "crm_record_count",
    "kind": "record_count",
    "owner": "revops",
    "schedule": "5 * * * *",
    "critical": "50%",
}


def test_the_shipped_configuration_covers_every_kind() -> None:
    config = load_monitor_config(DEFAULT_PATH, WATCHED)
    by_name = {c.name: c for c in config.checks}
    assert {c.kind for c in config.checks} == set(KINDS)
    assert all(c.enabled and c.owner and c.schedule for c in config.checks)
    count = by_name["crm_record_count"]
    assert (count.thresholds.critical, count.severity) == (0.5, Severity.HIGH)
    assert by_name["lead_flow_latency"].thresholds.critical == 5  # minutes
    freshness = by_name["source_freshness"]
    assert freshness.severity >= Severity.HIGH and freshness.thresholds.critical == 24  # hours
    assert config.alerts["routes"]["critical"] == ["pagerduty"]  # left to monitor/alerts


def test_the_config_file_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "monitor.yml"
    path.write_text(yaml.safe_dump({"checks": [GOOD]}))
    monkeypatch.setenv("ROUNDTRIP_MONITOR_CONFIG", str(path))
    config = load_monitor_config(None, WATCHED)
    assert [c.name for c in config.checks] == ["crm_record_count"]
    assert config.select(("crm_record_count",))[0].kind == "record_count"
    with pytest.raises(MonitorConfigError, match=r"unknown check\(s\) nope .* crm_record_count"):
        config.select(("nope",))
    monkeypatch.setenv("ROUNDTRIP_MONITOR_CONFIG", str(tmp_path / "missing.yml"))
    with pytest.raises(MonitorConfigError, match=r"ROUNDTRIP_MONITOR_CONFIG=.*missing\.yml"):
        load_monitor_config(None, WATCHED)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "vibes"}, r"check 'crm_record_count', field 'kind': unknown kind 'vibes'"),
        ({"owner": ""}, r"field 'owner': is required"),
        ({"schedule": "every hour"}, r"field 'schedule': 'every hour' is not a cron expression"),
        ({"critical": "half"}, r"field 'critical': 'half' is not a ratio"),
        ({"critical": 1.5}, r"field 'critical': 1.5 is not a ratio"),
        ({"warn": "40%"}, r"field 'critical': .*critical must be at least as far below as warn"),
        ({"warn": None, "critical": None}, r"field 'critical': set at least one"),
        ({"severity": "urgent"}, r"field 'severity': unknown severity 'urgent'"),
        ({"severity": "low", "warn_severity": "high"}, r"field 'warn_severity': must not be above"),
        (
            {"resources": ["hubspot.contacts", "zendesk.tickets"]},
            r"field 'resources': unknown system 'zendesk'",
        ),
        ({"resources": ["contacts"]}, r"field 'resources': 'contacts' is not `system.table`"),
        ({"min_expected": -1}, r"field 'min_expected': must be a whole number"),
        (
            {"colour": "red"},
            r"field 'colour': unknown option for kind record_count; accepted: .*min_expected",
        ),
        ({"enabled": "yes"}, r"field 'enabled': must be true or false"),
        ({"name": "CRM count"}, r"checks\[0\]: field 'name' must be lower_snake_case"),
    ],
)
def test_a_bad_check_names_the_check_and_the_field(change: dict, message: str) -> None:
    with pytest.raises(MonitorConfigError, match=message):
        parse_checks([{**GOOD, **change}], "monitor.yml", WATCHED)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"kind": "freshness", "critical": "1d", "severity": "medium"},
            r"field 'severity': a freshness check is at least high",
        ),
        (
            {"kind": "freshness", "critical": "1d", "allowed": {"hubspot": "soon"}},
            r"field 'allowed.hubspot': 'soon' is not a duration",
        ),
        (
            {"kind": "freshness", "critical": "1d", "allowed": {"zendesk": "1h"}},
            r"field 'allowed': unknown system 'zendesk'",
        ),
        (
            {"kind": "latency", "critical": "5 minutes"},
            r"field 'critical': '5 minutes' is not a duration",
        ),
        (
            {"kind": "completeness", "critical": 0, "platforms": ["ga4"]},
            r"field 'platforms': unknown system 'ga4'; accepted: google_ads, meta_ads, linkedin_ads",
        ),
        ({"kind": "dbt_tests", "critical": 0.5}, r"field 'critical': 0.5 is not a count"),
    ],
)
def test_kind_specific_mistakes(entry: dict, message: str) -> None:
    base = {"name": "c", "owner": "o", "schedule": "0 * * * *"}
    with pytest.raises(MonitorConfigError, match=message):
        parse_checks([{**base, **entry}], "monitor.yml", WATCHED)


def test_file_level_mistakes(tmp_path: Path) -> None:
    path = tmp_path / "monitor.yml"
    path.write_text("checks: []\nalarms: {}\n")
    with pytest.raises(
        MonitorConfigError, match=r"unknown section\(s\) alarms; accepted: checks, alerts"
    ):
        load_monitor_config(path, WATCHED)
    path.write_text(yaml.safe_dump({"checks": [GOOD, GOOD]}))
    with pytest.raises(MonitorConfigError, match="check 'crm_record_count' is defined twice"):
        load_monitor_config(path, WATCHED)
    path.write_text("checks: [unclosed\n")
    with pytest.raises(MonitorConfigError, match="is not valid YAML"):
        load_monitor_config(path, WATCHED)
