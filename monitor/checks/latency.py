"""Latency of the lead flow: for the records the last incremental load brought into a table,
the p95 of (loaded in the warehouse - created in the source), in minutes.

The load's own counters say how many records were new (`new_records`); those are the newest
by their creation timestamp. "Loaded" is when the system's load finished, on the monitoring
clock (see loads.py: a sandbox load is placed on the sandbox clock only when it completed
every system). A backfill is not measured: its records were created long before anyone
loaded them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from monitor.checks.base import CheckContext, CheckKind, Observation, OptionError, Options
from monitor.checks.loads import resource_runs, system_runs
from monitor.checks.units import MINUTES, RATIO
from monitor.results import Status

LEAD_TABLES = {
    "hubspot.form_submissions": "submitted_at",
    "hubspot.contacts": "created_at",
    "salesforce.leads": "created_date",
}


@dataclass(frozen=True)
class LatencyOptions:
    tables: dict[tuple[str, str], str]  # (system, table) → creation timestamp column
    percentile: float


def parse(options: Options) -> LatencyOptions:
    tables = {}
    for name, column in options.mapping("tables", LEAD_TABLES).items():
        system, _, table = name.partition(".")
        if system not in options.known or not table:
            raise OptionError(
                "tables",
                f"{name!r} is not `system.table` with a known system (e.g. hubspot.contacts)",
            )
        if not isinstance(column, str) or not column:
            raise OptionError("tables", f"{name}: name the creation timestamp column")
        tables[(system, table)] = column
    percentile = options.measure("percentile", 0.95, RATIO)
    if percentile <= 0:
        raise OptionError("percentile", "must be above 0")
    return LatencyOptions(tables, percentile)


def quantile(values: list[float], q: float) -> float:
    """Linear-interpolated quantile of a non-empty list."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _observe(ctx: CheckContext, system: str, table: str, column: str, q: float) -> Observation:
    subject = f"{system}.{table}"
    loads = [
        r for r in resource_runs(ctx.con, system_runs(ctx.con), system, table) if r.run.succeeded
    ]
    if not loads or loads[-1].run.backfill:
        return Observation(
            subject, system, None, "no incremental load yet: nothing to measure", status=Status.PASS
        )
    last = loads[-1]
    if last.new == 0:
        return Observation(
            subject, system, None, "the last load brought no new records", status=Status.PASS
        )
    if last.run.clock_finished is None:
        return Observation(
            subject,
            system,
            None,
            f"not measured: load {last.run.run_id} did not complete every system, so its "
            "place on the sandbox clock is unknown",
            status=Status.PASS,
        )
    if column not in ctx.columns(f"raw_{system}", table):
        return Observation(subject, system, None, f"raw_{system}.{table} has no column {column!r}")
    created = [
        row[0]
        for row in ctx.con.execute(
            f'select "{column}" from raw_{system}."{table}" where "{column}" is not null '
            f'order by "{column}" desc limit ?',
            [last.new],
        ).fetchall()
    ]
    if not created:
        return Observation(subject, system, None, f"raw_{system}.{table} has no {column} values")
    finished = last.run.clock_finished
    minutes = [
        max((finished - (c if c.tzinfo else c.replace(tzinfo=UTC))).total_seconds() / 60, 0.0)
        for c in created
    ]
    p = quantile(minutes, q)
    return Observation(
        subject,
        system,
        p,
        f"p{q * 100:.0f} {MINUTES.format(p)} over {len(minutes):,} new records "
        f"(load {last.run.run_id}; max {MINUTES.format(max(minutes))})",
        {"records": len(minutes), "run_id": last.run.run_id, "max_minutes": max(minutes)},
    )


def evaluate(ctx: CheckContext, opts: LatencyOptions) -> list[Observation]:
    return [
        _observe(ctx, system, table, column, opts.percentile)
        for (system, table), column in opts.tables.items()
        if ctx.enabled(system)
    ]


KIND = CheckKind(
    name="latency",
    summary="p95 minutes from creation in the source to the warehouse, for new records",
    direction="above",
    unit=MINUTES,
    warn=None,
    critical="5m",
    parse=parse,
    evaluate=evaluate,
)
