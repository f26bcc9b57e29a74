"""The `alerts:` section: defaults, secrets from the environment / dlt, and clear errors."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.alerts.config import (
    DEFAULT_REPEAT,
    DEFAULT_ROUTES,
    AlertsConfigError,
    load_alerts_config,
)
from monitor.results import Severity

MONITOR_YML = Path(__file__).resolve().parents[2] / "monitor" / "monitor.yml"
WEBHOOK = "https://hooks.slack.com/services/T0/B0/envSECRETwebhook"


def no_secrets(_setting: str) -> None:
    return None


def test_monitor_yml_alerts_section_is_valid_and_matches_the_defaults(tmp_path: Path) -> None:
    raw = yaml.safe_load(MONITOR_YML.read_text())["alerts"]
    config = load_alerts_config(raw, warehouse_dir=tmp_path, secrets=no_secrets)
    assert config == load_alerts_config(None, warehouse_dir=tmp_path, secrets=no_secrets)
    assert config.routes == DEFAULT_ROUTES and config.repeat_every == DEFAULT_REPEAT
    assert config.ticket.file == tmp_path / "state" / "alert_tickets.jsonl"
    # the sandbox default: no channel configured, so every severity goes to the ticket file
    assert all(config.channels_for(s) == ["ticket"] for s in Severity)


def test_secrets_come_from_the_environment_through_dlt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERTS__SLACK__WEBHOOK_URL", WEBHOOK)
    monkeypatch.setenv("ALERTS__PAGERDUTY__ROUTING_KEY", "pdROUTINGkeyFROMenv0123456789abc")
    config = load_alerts_config(None, warehouse_dir=tmp_path)
    assert config.slack.webhook_url is not None
    assert config.slack.webhook_url.reveal() == WEBHOOK
    assert config.channels_for(Severity.HIGH) == ["slack"]  # email has no host: skipped
    assert config.channels_for(Severity.CRITICAL) == ["pagerduty"]
    assert "envSECRETwebhook" not in repr(config) and "pdROUTINGkey" not in str(config)


def test_a_secret_written_into_monitor_yml_is_refused_without_echoing_it(tmp_path: Path) -> None:
    raw = {"channels": {"slack": {"webhook_url": WEBHOOK}}}
    with pytest.raises(AlertsConfigError) as exc:
        load_alerts_config(raw, warehouse_dir=tmp_path, secrets=no_secrets)
    message = str(exc.value)
    assert message.startswith("alerts.channels.slack.webhook_url: secrets do not belong")
    assert "ALERTS__SLACK__WEBHOOK_URL" in message and "envSECRET" not in message


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ({"route": {}}, "alerts.route is not a setting; accepted: routes, repeat_every"),
        ({"routes": {"high": ["sms"]}}, "alerts.routes.high: unknown channel 'sms'"),
        ({"routes": {"urgent": ["slack"]}}, "alerts.routes.urgent: unknown severity 'urgent'"),
        ({"repeat_every": {"high": "soon"}}, "alerts.repeat_every.high='soon' is not a duration"),
        ({"retry": {"first": "2h", "max": "1h"}}, "alerts.retry.max must be at least"),
        ({"delivery_failure_severity": "bad"}, "alerts.delivery_failure_severity: unknown"),
        ({"channels": {"teams": {}}}, "alerts.channels.teams is not a setting"),
        ({"channels": {"email": {"port": 0}}}, "alerts.channels.email.port=0 must be a port"),
        ({"channels": {"email": {"to": ["nobody"]}}}, "alerts.channels.email: 'nobody' is not"),
        (
            {"channels": {"email": {"security": "none", "username": "u"}}},
            "alerts.channels.email.username is set but security is none",
        ),
        (
            {"channels": {"email": {"username": "u"}}},
            "alerts.channels.email.username is set but no password was found: set the "
            "environment variable ALERTS__EMAIL__PASSWORD",
        ),
        ({"channels": {"pagerduty": {"url": "ftp://x"}}}, "alerts.channels.pagerduty.url="),
    ],
)
def test_bad_settings_fail_naming_the_setting(
    tmp_path: Path, raw: dict[str, Any], error: str
) -> None:
    with pytest.raises(AlertsConfigError, match="^" + re.escape(error)):
        load_alerts_config(raw, warehouse_dir=tmp_path, secrets=no_secrets)


def test_repeat_every_accepts_one_interval_or_never(tmp_path: Path) -> None:
    once = load_alerts_config({"repeat_every": "never"}, warehouse_dir=tmp_path, secrets=no_secrets)
    assert set(once.repeat_every.values()) == {None}
    every = load_alerts_config({"repeat_every": "90m"}, warehouse_dir=tmp_path, secrets=no_secrets)
    assert set(every.repeat_every.values()) == {timedelta(minutes=90)}


def test_backoff_doubles_up_to_the_maximum(tmp_path: Path) -> None:
    retry = load_alerts_config(
        {"retry": {"first": "30s", "max": "5m"}}, warehouse_dir=tmp_path, secrets=no_secrets
    ).retry
    assert [retry.backoff(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]


def test_a_malformed_webhook_secret_is_named_not_echoed(tmp_path: Path) -> None:
    secrets = {"alerts.ticket.webhook_url": "tickets.example.com/hook/SECRETtoken"}
    with pytest.raises(AlertsConfigError) as exc:
        load_alerts_config(None, warehouse_dir=tmp_path, secrets=secrets.get)
    assert str(exc.value) == (
        "alerts.ticket.webhook_url (ALERTS__TICKET__WEBHOOK_URL) is not an http(s) webhook URL"
    )
