"""Freshness of every source: how old the newest data of each system is, on the monitoring
clock (the sandbox clock in sandbox mode).

Which tables and columns say how current a system is, and how old it may be, are the system's
own facts (`MonitoredSystem`, from its vendor descriptor); `allowed` and `timestamps` override
them per system. dbt's source freshness idea, with each table's `loaded_at_field` set to the vendor's own
modified timestamp (or, for daily metrics, the end of the newest day) — so it holds on the
sandbox clock too, where wall-clock load stamps mean nothing. A system is as fresh as its
freshest table. `allowed` is how old a system may be given its load schedule (and the vendor's
reporting lag); the check's warn/critical thresholds are added on top of it, so the default
`critical: 1d` makes a source more than a day staler than its schedule allows a failure (and
this kind's severity is at least High).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from monitor.checks.base import CheckContext, CheckKind, Observation, OptionError, Options
from monitor.checks.units import HOURS
from monitor.results import Severity, Status


@dataclass(frozen=True)
class FreshnessOptions:
    systems: tuple[str, ...]
    allowed: dict[str, float]  # hours
    timestamps: dict[str, dict[str, str]]


def parse(options: Options) -> FreshnessOptions:
    known = options.known
    systems = options.systems("systems", known)
    allowed_raw = options.mapping("allowed", {})
    timestamps_raw = options.mapping("timestamps", {})
    for key, section in (("allowed", allowed_raw), ("timestamps", timestamps_raw)):
        for system in section:
            if system not in known:
                raise OptionError(key, f"unknown system {system!r}; accepted: {', '.join(known)}")
    allowed = {}
    for system in systems:
        try:
            allowed[system] = HOURS.parse(
                allowed_raw.get(system, f"{known[system].freshness_hours:g}h")
            )
        except ValueError as exc:
            raise OptionError(f"allowed.{system}", str(exc)) from None
    timestamps = {}
    for system in systems:
        tables = timestamps_raw.get(system, dict(known[system].freshness_tables))
        if (
            not isinstance(tables, dict)
            or not tables
            or not all(isinstance(t, str) and isinstance(c, str) for t, c in tables.items())
        ):
            raise OptionError(f"timestamps.{system}", "must map table names to timestamp columns")
        timestamps[system] = dict(tables)
    return FreshnessOptions(systems, allowed, timestamps)


def loaded_through(ctx: CheckContext, system: str, tables: dict[str, str]) -> datetime | None:
    """The newest moment the system's tables cover (a DATE column covers its whole day)."""
    newest: list[datetime] = []
    for table, column in tables.items():
        kind = ctx.columns(f"raw_{system}", table).get(column)
        if kind is None:
            continue
        (value,) = ctx.con.execute(f'select max("{column}") from raw_{system}."{table}"').fetchone()
        if value is None:
            continue
        if kind == "DATE":
            value = datetime.combine(value + timedelta(days=1), datetime.min.time(), UTC)
        newest.append(value if value.tzinfo else value.replace(tzinfo=UTC))
    return max(newest, default=None)


def evaluate(ctx: CheckContext, opts: FreshnessOptions) -> list[Observation]:
    observations = []
    for system in opts.systems:
        if not ctx.enabled(system):
            continue
        through = loaded_through(ctx, system, opts.timestamps[system])
        allowed = HOURS.format(opts.allowed[system])
        if through is None:
            observations.append(
                Observation(
                    system,
                    system,
                    None,
                    f"never loaded: raw_{system} has none of "
                    f"{', '.join(opts.timestamps[system])} (run `roundtrip load {system}`)",
                    status=Status.FAIL,
                )
            )
            continue
        age = max((ctx.now - through).total_seconds() / 3600, 0.0)
        observations.append(
            Observation(
                system,
                system,
                age,
                f"newest data {HOURS.format(age)} old (through {through:%Y-%m-%d %H:%M} UTC; "
                f"its schedule allows {allowed})",
                {"loaded_through": through.isoformat(), "allowed_hours": opts.allowed[system]},
                shift=opts.allowed[system],
            )
        )
    return observations


KIND = CheckKind(
    name="freshness",
    summary="age of each source's newest data, beyond what its schedule allows",
    direction="above",
    unit=HOURS,
    warn="0h",
    critical="1d",
    parse=parse,
    evaluate=evaluate,
    min_severity=Severity.HIGH,
)
