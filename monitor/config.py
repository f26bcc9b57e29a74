"""`monitor/monitor.yml` (or the file in ROUNDTRIP_MONITOR_CONFIG): the health checks under
`checks:` — validated here — and the alert routing under `alerts:` (monitor/alerts/config.py).

Every check has a `name`, a `kind` (monitor/checks/), an `owner`, a `schedule` (cron, for
`roundtrip schedule`), `warn` / `critical` thresholds in the kind's unit (a ratio, a duration
or a count; `null` switches a level off), the `severity` of a critical result and the
`warn_severity` of a warning, optionally `enabled: false`, plus the kind's own options. Any
mistake stops with one line naming the file, the check and the field.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from croniter import croniter

from monitor.checks import KINDS
from monitor.checks.base import CheckKind, OptionError, Options, Thresholds
from monitor.checks.units import UnitError
from monitor.results import Severity
from monitor.systems import Systems

CONFIG_ENV = "ROUNDTRIP_MONITOR_CONFIG"
DEFAULT_PATH = Path(__file__).with_name("monitor.yml")
SECTIONS = ("checks", "alerts")
COMMON_FIELDS = (
    "name",
    "kind",
    "owner",
    "schedule",
    "warn",
    "critical",
    "severity",
    "warn_severity",
    "enabled",
)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class MonitorConfigError(ValueError):
    """monitor.yml has a value Roundtrip cannot use; the message names the check and field."""


@dataclass(frozen=True)
class CheckConfig:
    name: str
    kind: str
    owner: str
    schedule: str
    thresholds: Thresholds
    severity: Severity  # of a critical result (and of a check that could not run)
    warn_severity: Severity
    enabled: bool
    options: Any  # the kind's parsed options

    @property
    def check_kind(self) -> CheckKind:
        return KINDS[self.kind]


@dataclass(frozen=True)
class MonitorConfig:
    path: Path
    checks: tuple[CheckConfig, ...]
    alerts: dict[str, Any]  # the raw `alerts:` section, for monitor/alerts/config.py

    def select(self, names: tuple[str, ...] = ()) -> list[CheckConfig]:
        """The named checks (even if disabled), or every enabled one."""
        if not names:
            return [c for c in self.checks if c.enabled]
        known = {c.name: c for c in self.checks}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise MonitorConfigError(
                f"unknown check(s) {', '.join(unknown)} in {self.path}; "
                f"configured: {', '.join(known) or '(none)'}"
            )
        return [known[n] for n in dict.fromkeys(names)]


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_PATH)


def load_monitor_config(path: Path | None, systems: Systems) -> MonitorConfig:
    """Read and validate the monitor configuration file (None: `config_path()`) for the known
    `systems`."""
    path = path or config_path()
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        setting = f"{CONFIG_ENV}={path}" if os.environ.get(CONFIG_ENV) else str(path)
        raise MonitorConfigError(f"{setting}: no such monitor configuration file") from None
    except yaml.YAMLError as exc:
        raise MonitorConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise MonitorConfigError(f"{path}: expected the sections {', '.join(SECTIONS)}")
    unknown = sorted(set(raw) - set(SECTIONS))
    if unknown:
        raise MonitorConfigError(
            f"{path}: unknown section(s) {', '.join(map(str, unknown))}; accepted: "
            f"{', '.join(SECTIONS)}"
        )
    alerts = raw.get("alerts") or {}
    return MonitorConfig(path, parse_checks(raw.get("checks"), str(path), systems), alerts)


def parse_checks(raw: object, source: str, systems: Systems) -> tuple[CheckConfig, ...]:
    """Validate the `checks:` list (None: no checks)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise MonitorConfigError(f"{source}: `checks` must be a list of checks")
    checks: list[CheckConfig] = []
    for index, entry in enumerate(raw):
        check = _parse_check(entry, f"{source}: checks[{index}]", systems)
        if any(c.name == check.name for c in checks):
            raise MonitorConfigError(f"{source}: check {check.name!r} is defined twice")
        checks.append(check)
    return tuple(checks)


def _parse_check(entry: object, where: str, systems: Systems) -> CheckConfig:
    if not isinstance(entry, dict):
        raise MonitorConfigError(f"{where} must be a mapping with name, kind, owner, schedule …")
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise MonitorConfigError(
            f"{where}: field 'name' must be lower_snake_case text, got {name!r}"
        )
    where = f"{where.rsplit(':', 1)[0]}: check {name!r}"

    def fail(field: str, message: str) -> MonitorConfigError:
        return MonitorConfigError(f"{where}, field '{field}': {message}")

    kind_name = entry.get("kind")
    if kind_name not in KINDS:
        raise fail("kind", f"unknown kind {kind_name!r}; accepted: {', '.join(KINDS)}")
    kind = KINDS[kind_name]
    for field in ("owner", "schedule"):
        if not isinstance(entry.get(field), str) or not entry[field].strip():
            raise fail(field, "is required (text)")
    if not croniter.is_valid(entry["schedule"]):
        raise fail("schedule", f"{entry['schedule']!r} is not a cron expression (e.g. '0 * * * *')")
    severities = {}
    for field, default in (("severity", "high"), ("warn_severity", "low")):
        try:
            severities[field] = Severity.parse(str(entry.get(field, default)))
        except ValueError as exc:
            raise fail(field, str(exc)) from None
    if severities["warn_severity"] > severities["severity"]:
        raise fail("warn_severity", "must not be above `severity`")
    if severities["severity"] < kind.min_severity:
        raise fail(
            "severity",
            f"a {kind.name} check is at least {kind.min_severity.name.lower()} when critical",
        )
    thresholds = _thresholds(entry, kind, fail)
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise fail("enabled", f"must be true or false, got {enabled!r}")
    options = Options({k: v for k, v in entry.items() if k not in COMMON_FIELDS}, systems)
    try:
        parsed = kind.parse(options)
    except OptionError as exc:
        raise fail(exc.key, str(exc)) from None
    unknown = options.unknown()
    if unknown:
        raise fail(
            unknown[0],
            f"unknown option for kind {kind.name}; accepted: "
            f"{', '.join([*COMMON_FIELDS, *sorted(options.read)])}",
        )
    return CheckConfig(
        name=name,
        kind=kind.name,
        owner=entry["owner"].strip(),
        schedule=entry["schedule"],
        thresholds=thresholds,
        severity=severities["severity"],
        warn_severity=severities["warn_severity"],
        enabled=enabled,
        options=parsed,
    )


def _thresholds(
    entry: dict[str, Any], kind: CheckKind, fail: Callable[[str, str], MonitorConfigError]
) -> Thresholds:
    limits: dict[str, float | None] = {}
    for field, default in (("warn", kind.warn), ("critical", kind.critical)):
        raw = entry.get(field, default)
        try:
            limits[field] = None if raw is None else kind.unit.parse(raw)
        except UnitError as exc:
            raise fail(field, str(exc)) from None
    warn, critical = limits["warn"], limits["critical"]
    if warn is None and critical is None:
        raise fail("critical", "set at least one of warn and critical")
    if warn is not None and critical is not None:
        inverted = critical < warn if kind.direction == "above" else critical > warn
        if inverted:
            side = "above" if kind.direction == "above" else "below"
            raise fail(
                "critical",
                f"a {kind.name} check fails {side} its limits, so critical "
                f"must be at least as far {side} as warn",
            )
    return Thresholds(kind.direction, kind.unit, warn, critical)
