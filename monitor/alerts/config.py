"""The `alerts:` section of monitor.yml: severity routes, repeat intervals, retry policy and the
channels' non-secret settings. Secrets come from dlt secrets / the environment (see `secrets.py`).

Every mistake raises `AlertsConfigError` naming the setting (e.g. `alerts.routes.high`) and what
is accepted. A channel is *configured* when what it needs is present (Slack: its webhook URL,
PagerDuty: its routing key, email: a host and recipients); the ticket channel always is (a
JSON-lines file under the warehouse folder, or a webhook when its URL is set). A severity whose
routed channels are all unconfigured goes to the ticket channel, so nothing is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from monitor.alerts.secrets import Secret, SecretLookup, dlt_secret, env_name
from monitor.results import Severity
from warehouse.location import WarehousePaths

CHANNELS: tuple[str, ...] = ("pagerduty", "slack", "email", "ticket")
FALLBACK_CHANNEL = "ticket"
SECURITY_MODES: tuple[str, ...] = ("starttls", "tls", "none")
Security = Literal["starttls", "tls", "none"]

# The one secret of each channel: its dlt setting (env ALERTS__<CHANNEL>__<KEY>).
SECRET_SETTINGS: dict[str, str] = {
    "pagerduty": "alerts.pagerduty.routing_key",
    "slack": "alerts.slack.webhook_url",
    "email": "alerts.email.password",
    "ticket": "alerts.ticket.webhook_url",
}

DEFAULT_ROUTES: dict[Severity, tuple[str, ...]] = {
    Severity.CRITICAL: ("pagerduty",),
    Severity.HIGH: ("slack", "email"),
    Severity.MEDIUM: ("email",),
    Severity.LOW: ("ticket",),
}
DEFAULT_REPEAT: dict[Severity, timedelta | None] = {
    Severity.CRITICAL: timedelta(hours=1),
    Severity.HIGH: timedelta(hours=4),
    Severity.MEDIUM: timedelta(hours=24),
    Severity.LOW: None,
}
PAGERDUTY_URL = "https://events.pagerduty.com/v2/enqueue"
DEFAULT_TICKET_FILE = Path("state") / "alert_tickets.jsonl"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


class AlertsConfigError(ValueError):
    """The `alerts:` section has a value Roundtrip cannot use; the message names the setting."""


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff of the delivery outbox: `first`, doubling up to `maximum`; a delivery still
    failing `give_up_after` its first attempt is marked dead (and rerouted to the ticket file)."""

    first: timedelta = timedelta(minutes=1)
    maximum: timedelta = timedelta(hours=1)
    give_up_after: timedelta = timedelta(days=2)

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt."""
        return min(self.maximum, self.first * 2 ** max(0, attempts - 1))


@dataclass(frozen=True)
class PagerDutyConfig:
    routing_key: Secret | None = None
    url: str = PAGERDUTY_URL
    source: str = "roundtrip"
    timeout: float = 10.0

    @property
    def configured(self) -> bool:
        return self.routing_key is not None


@dataclass(frozen=True)
class SlackConfig:
    webhook_url: Secret | None = None
    timeout: float = 10.0

    @property
    def configured(self) -> bool:
        return self.webhook_url is not None


@dataclass(frozen=True)
class EmailConfig:
    host: str | None = None
    port: int = 587
    security: Security = "starttls"
    username: str | None = None
    password: Secret | None = None
    sender: str = "roundtrip@localhost"
    recipients: tuple[str, ...] = ()
    ca_file: Path | None = None
    timeout: float = 10.0

    @property
    def configured(self) -> bool:
        return bool(self.host and self.recipients)


@dataclass(frozen=True)
class TicketConfig:
    file: Path
    webhook_url: Secret | None = None
    timeout: float = 10.0

    @property
    def configured(self) -> bool:
        return True


@dataclass(frozen=True)
class AlertsConfig:
    ticket: TicketConfig
    routes: dict[Severity, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_ROUTES))
    repeat_every: dict[Severity, timedelta | None] = field(
        default_factory=lambda: dict(DEFAULT_REPEAT)
    )
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    delivery_failure_severity: Severity = Severity.HIGH
    pagerduty: PagerDutyConfig = field(default_factory=PagerDutyConfig)
    slack: SlackConfig = field(default_factory=SlackConfig)
    email: EmailConfig = field(default_factory=EmailConfig)

    def is_configured(self, channel: str) -> bool:
        return getattr(self, channel).configured

    def channels_for(self, severity: Severity, exclude: frozenset[str] = frozenset()) -> list[str]:
        """The configured channels routed for `severity` (minus `exclude`); the ticket channel
        when none is left and it is not excluded; empty only when even that is excluded."""
        chosen = [c for c in self.routes[severity] if c not in exclude and self.is_configured(c)]
        if not chosen and FALLBACK_CHANNEL not in exclude:
            chosen = [FALLBACK_CHANNEL]
        return chosen


# ------------------------------------------------------------------------------- parsing


def parse_duration(value: object, setting: str) -> timedelta:
    """`90s`, `15m`, `4h`, `1d` → timedelta."""
    match = _DURATION.match(str(value))
    if not match:
        raise AlertsConfigError(
            f"{setting}={value!r} is not a duration; use a number with s, m, h or d (e.g. 30m, 4h)"
        )
    amount = timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})
    if amount <= timedelta(0):
        raise AlertsConfigError(f"{setting}={value!r} must be longer than zero")
    return amount


def _repeat_interval(value: object, setting: str) -> timedelta | None:
    """A duration, or `never` (None): notify once per incident."""
    if value is None or str(value).strip().lower() == "never":
        return None
    try:
        return parse_duration(value, setting)
    except AlertsConfigError as exc:
        raise AlertsConfigError(f"{exc}, or never") from None


def _mapping(value: object, setting: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise AlertsConfigError(f"{setting} must be a mapping, got {type(value).__name__}")
    return value


def _only(section: dict[str, Any], setting: str, accepted: tuple[str, ...]) -> None:
    secret = SECRET_SETTINGS.get(setting.rsplit(".", 1)[-1], "")
    for key in section:
        if secret and key == secret.rsplit(".", 1)[-1]:
            raise AlertsConfigError(
                f"{setting}.{key}: secrets do not belong in monitor.yml; set the environment "
                f"variable {env_name(secret)} or `{key}` under [{secret.rsplit('.', 1)[0]}] in "
                ".dlt/secrets.toml"
            )
        if key not in accepted:
            raise AlertsConfigError(
                f"{setting}.{key} is not a setting; accepted: {', '.join(accepted)}"
            )


def _severity_keys(section: dict[str, Any], setting: str) -> dict[Severity, Any]:
    parsed: dict[Severity, Any] = {}
    for key, value in section.items():
        try:
            parsed[Severity.parse(str(key))] = value
        except ValueError as exc:
            raise AlertsConfigError(f"{setting}.{key}: {exc}") from None
    return parsed


def _routes(value: object) -> dict[Severity, tuple[str, ...]]:
    routes = dict(DEFAULT_ROUTES)
    for severity, channels in _severity_keys(
        _mapping(value, "alerts.routes"), "alerts.routes"
    ).items():
        setting = f"alerts.routes.{severity.name.lower()}"
        names = [channels] if isinstance(channels, str) else channels
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise AlertsConfigError(f"{setting} must be a list of channel names")
        for name in names:
            if name not in CHANNELS:
                raise AlertsConfigError(
                    f"{setting}: unknown channel {name!r}; accepted: {', '.join(CHANNELS)}"
                )
        routes[severity] = tuple(names)
    return routes


def _repeat(value: object) -> dict[Severity, timedelta | None]:
    if not isinstance(value, dict) and value is not None:
        return dict.fromkeys(Severity, _repeat_interval(value, "alerts.repeat_every"))
    repeat = dict(DEFAULT_REPEAT)
    for severity, text in _severity_keys(
        _mapping(value, "alerts.repeat_every"), "alerts.repeat_every"
    ).items():
        setting = f"alerts.repeat_every.{severity.name.lower()}"
        repeat[severity] = _repeat_interval(text, setting)
    return repeat


def _retry(value: object) -> RetryPolicy:
    section = _mapping(value, "alerts.retry")
    _only(section, "alerts.retry", ("first", "max", "give_up_after"))
    first = parse_duration(section.get("first", "1m"), "alerts.retry.first")
    maximum = parse_duration(section.get("max", "1h"), "alerts.retry.max")
    give_up = parse_duration(section.get("give_up_after", "2d"), "alerts.retry.give_up_after")
    if maximum < first:
        raise AlertsConfigError("alerts.retry.max must be at least alerts.retry.first")
    return RetryPolicy(first, maximum, give_up)


def _optional_text(section: dict[str, Any], key: str, setting: str) -> str | None:
    value = section.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise AlertsConfigError(f"{setting}.{key} must be a non-empty string")
    return str(value).strip()


def _text(section: dict[str, Any], key: str, setting: str, default: str) -> str:
    return _optional_text(section, key, setting) or default


def _timeout(section: dict[str, Any], setting: str) -> float:
    return parse_duration(section.get("timeout", "10s"), f"{setting}.timeout").total_seconds()


def _http_url(value: str, setting: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value):
        raise AlertsConfigError(f"{setting}={value!r} must be an http(s) URL")
    return value


def _secret(lookup: SecretLookup, channel: str) -> Secret | None:
    setting = SECRET_SETTINGS[channel]
    value = lookup(setting)
    return Secret(value, setting) if value else None


def _secret_url(lookup: SecretLookup, channel: str) -> Secret | None:
    """A webhook URL secret; a malformed one is named by its setting, never echoed."""
    url = _secret(lookup, channel)
    if url is not None and not re.match(r"^https?://[^\s/]+/", url.reveal()):
        raise AlertsConfigError(
            f"{url.setting} ({env_name(url.setting)}) is not an http(s) webhook URL"
        )
    return url


def _pagerduty(section: dict[str, Any], lookup: SecretLookup) -> PagerDutyConfig:
    setting = "alerts.channels.pagerduty"
    _only(section, setting, ("url", "source", "timeout"))
    return PagerDutyConfig(
        routing_key=_secret(lookup, "pagerduty"),
        url=_http_url(_text(section, "url", setting, PAGERDUTY_URL), f"{setting}.url"),
        source=_text(section, "source", setting, "roundtrip"),
        timeout=_timeout(section, setting),
    )


def _slack(section: dict[str, Any], lookup: SecretLookup) -> SlackConfig:
    setting = "alerts.channels.slack"
    _only(section, setting, ("timeout",))
    return SlackConfig(webhook_url=_secret_url(lookup, "slack"), timeout=_timeout(section, setting))


def _email(section: dict[str, Any], lookup: SecretLookup) -> EmailConfig:
    setting = "alerts.channels.email"
    _only(
        section,
        setting,
        ("host", "port", "security", "username", "from", "to", "ca_file", "timeout"),
    )
    port = section.get("port", 587)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise AlertsConfigError(f"{setting}.port={port!r} must be a port number (1-65535)")
    security = str(section.get("security", "starttls")).lower()
    if security not in SECURITY_MODES:
        raise AlertsConfigError(
            f"{setting}.security={security!r}; accepted: {', '.join(SECURITY_MODES)}"
        )
    username = _optional_text(section, "username", setting)
    if username and security == "none":
        raise AlertsConfigError(
            f"{setting}.username is set but security is none: a password would cross the "
            "network in clear text; use starttls or tls"
        )
    sender = _text(section, "from", setting, "roundtrip@localhost")
    recipients = section.get("to", [])
    recipients = [recipients] if isinstance(recipients, str) else recipients
    if not isinstance(recipients, list):
        raise AlertsConfigError(f"{setting}.to must be a list of email addresses")
    for address in [sender, *recipients]:
        if not isinstance(address, str) or not _EMAIL.match(address):
            raise AlertsConfigError(f"{setting}: {address!r} is not an email address")
    ca_file = section.get("ca_file")
    if ca_file is not None and not Path(str(ca_file)).is_file():
        raise AlertsConfigError(f"{setting}.ca_file={ca_file!r} does not exist")
    password = _secret(lookup, "email")
    if username and password is None:
        secret = SECRET_SETTINGS["email"]
        raise AlertsConfigError(
            f"{setting}.username is set but no password was found: set the environment "
            f"variable {env_name(secret)} or `password` under [alerts.email] in "
            ".dlt/secrets.toml"
        )
    return EmailConfig(
        host=_optional_text(section, "host", setting),
        port=port,
        security=security,  # type: ignore[arg-type]
        username=username,
        password=password,
        sender=sender,
        recipients=tuple(recipients),
        ca_file=Path(str(ca_file)) if ca_file is not None else None,
        timeout=_timeout(section, setting),
    )


def _ticket(section: dict[str, Any], lookup: SecretLookup, warehouse_dir: Path) -> TicketConfig:
    setting = "alerts.channels.ticket"
    _only(section, setting, ("file", "timeout"))
    file = Path(_text(section, "file", setting, str(DEFAULT_TICKET_FILE)))
    return TicketConfig(
        file=file if file.is_absolute() else warehouse_dir / file,
        webhook_url=_secret_url(lookup, "ticket"),
        timeout=_timeout(section, setting),
    )


def load_alerts_config(
    raw: dict[str, Any] | None,
    *,
    warehouse_dir: Path | None = None,
    secrets: SecretLookup = dlt_secret,
) -> AlertsConfig:
    """Validate the `alerts:` section (None or empty → the defaults) and resolve the channels'
    secrets. A relative ticket file is resolved against `warehouse_dir` (default: the folder in
    ROUNDTRIP_WAREHOUSE_DIR, else ./warehouse)."""
    section = _mapping(raw, "alerts")
    _only(
        section,
        "alerts",
        ("routes", "repeat_every", "retry", "delivery_failure_severity", "channels"),
    )
    channels = _mapping(section.get("channels"), "alerts.channels")
    _only(channels, "alerts.channels", CHANNELS)
    try:
        failure_severity = Severity.parse(str(section.get("delivery_failure_severity", "high")))
    except ValueError as exc:
        raise AlertsConfigError(f"alerts.delivery_failure_severity: {exc}") from None
    root = warehouse_dir or WarehousePaths.from_env().root
    sub = {name: _mapping(channels.get(name), f"alerts.channels.{name}") for name in CHANNELS}
    return AlertsConfig(
        routes=_routes(section.get("routes")),
        repeat_every=_repeat(section.get("repeat_every")),
        retry=_retry(section.get("retry")),
        delivery_failure_severity=failure_severity,
        pagerduty=_pagerduty(sub["pagerduty"], secrets),
        slack=_slack(sub["slack"], secrets),
        email=_email(sub["email"], secrets),
        ticket=_ticket(sub["ticket"], secrets, Path(root)),
    )
