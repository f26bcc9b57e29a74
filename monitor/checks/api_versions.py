"""API version lifecycle: per system, the days left before the vendor sunsets the API version
Roundtrip speaks — from the vendor's announced date (connectors/api_versions.yml, handed in as
`MonitoredSystem.api`) and what the vendor itself said during the loads
(`state/monitor.sqlite`, warehouse/api_signals.py: a `Sunset` header with an earlier date, an
auto-upgrade, a refusal). The value is the hours left in whole days, so the defaults `warn: 91d` and
`critical: 31d` mean Medium at ≤ 90 days and High at ≤ 30; once the date has passed, or the
vendor refused or auto-upgraded the version, the result is Critical whatever the check's
severity. The message names the version to move to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from monitor.checks.base import CheckContext, CheckKind, Observation, Options
from monitor.checks.units import HOURS
from monitor.results import Severity, Status
from monitor.systems import ApiVersionFacts
from warehouse.api_signals import heard as vendor_said

DAY_HOURS = 24.0


@dataclass(frozen=True)
class LifecycleOptions:
    systems: tuple[str, ...]


@dataclass(frozen=True)
class Heard:
    """What the vendor said about one version in the loads: the earliest sunset it announced,
    and its last refusal or auto-upgrade."""

    sunset: date | None = None
    retired: str = ""  # the vendor's words when it refused or auto-upgraded the version


def parse(options: Options) -> LifecycleOptions:
    return LifecycleOptions(options.systems("systems", options.known))


def heard(ctx: CheckContext, system: str, version: str) -> Heard:
    """From the state file, not the published warehouse: a refusal fails its load, which is
    then not published."""
    sunset, retired = vendor_said(ctx.paths, system, version)
    return Heard(sunset, retired)


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _move_to(api: ApiVersionFacts) -> str:
    if api.move_to:
        return f"move to {api.move_to}"
    return "move to a newer version (add it to connectors/api_versions.yml)"


def observe(system: str, api: ApiVersionFacts, vendor: Heard, today: date) -> Observation:
    details = {"version": api.version, "source": api.source, "move_to": api.move_to}
    name = f"{system} API {api.version}"
    if vendor.retired:
        return Observation(
            system,
            system,
            0.0,
            f"{name} was refused by the vendor ({vendor.retired}): {_move_to(api)}",
            details,
            status=Status.FAIL,
            severity=Severity.CRITICAL,
        )
    sunsets = [d for d in (api.sunset, vendor.sunset) if d is not None]
    if not sunsets:
        return Observation(
            system, system, None, f"{name}: no sunset announced", details, status=Status.PASS
        )
    sunset = min(sunsets)
    days = (sunset - today).days
    details["sunset"] = sunset.isoformat()
    if days <= 0:
        return Observation(
            system,
            system,
            0.0,
            f"{name} was sunset on {sunset} ({_days(-days)} ago): {_move_to(api)}",
            details,
            status=Status.FAIL,
            severity=Severity.CRITICAL,
        )
    return Observation(
        system,
        system,
        days * DAY_HOURS,
        f"{name} is sunset on {sunset}, in {_days(days)}"
        + (f": move to {api.move_to}" if api.move_to else ""),
        details,
    )


def evaluate(ctx: CheckContext, opts: LifecycleOptions) -> list[Observation]:
    observations = []
    for system in opts.systems:
        api = ctx.systems[system].api if ctx.enabled(system) else None
        if api is None:
            continue
        observations.append(observe(system, api, heard(ctx, system, api.version), ctx.now.date()))
    return observations


KIND = CheckKind(
    name="api_version_lifecycle",
    summary="days until the vendor sunsets the API version spoken (past or refused: Critical)",
    direction="below",
    unit=HOURS,
    warn="91d",
    critical="31d",
    parse=parse,
    evaluate=evaluate,
)
