"""Record count: the records the last incremental load brought for a resource, against what
loads at the same hour of the week brought before (`monitor.load_resource_runs`).

Expected is the median of earlier incremental loads that started in the same UTC hour of the
week (the load schedule runs on the wall clock) once there are `min_runs` of them, else of every
earlier incremental load in the lookback; with fewer than `min_runs` earlier loads in all, the
check is still learning and passes. Backfills (a system's first load, --full-refresh) are never
compared. An expectation below `min_expected` records is too small to judge: the check passes
rather than cry wolf over a tiny table. The value is observed / expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from statistics import median

from monitor.checks.base import CheckContext, CheckKind, Observation, Options
from monitor.checks.loads import ResourceRun, resource_runs, system_runs
from monitor.checks.units import RATIO
from monitor.results import Status

CRM_RESOURCES = (
    "hubspot.contacts",
    "hubspot.companies",
    "hubspot.deals",
    "salesforce.leads",
    "salesforce.contacts",
    "salesforce.accounts",
    "salesforce.opportunities",
)


@dataclass(frozen=True)
class RecordCountOptions:
    resources: tuple[tuple[str, str], ...]
    min_expected: int
    min_runs: int
    lookback_weeks: int


def parse(options: Options) -> RecordCountOptions:
    return RecordCountOptions(
        resources=options.tables("resources", CRM_RESOURCES),
        min_expected=options.integer("min_expected", 50),
        min_runs=options.integer("min_runs", 3, minimum=1),
        lookback_weeks=options.integer("lookback_weeks", 8, minimum=1),
    )


def _slot(run: ResourceRun) -> tuple[int, int]:
    return run.run.started_at.weekday(), run.run.started_at.hour


def expectation(
    latest: ResourceRun, earlier: list[ResourceRun], min_runs: int
) -> tuple[float, str] | None:
    """(expected records, how it was learned); None while fewer than `min_runs` earlier
    incremental loads exist."""
    same_slot = [r.records for r in earlier if _slot(r) == _slot(latest)]
    if len(same_slot) >= min_runs:
        return median(same_slot), f"median of {len(same_slot)} loads at this hour of the week"
    if len(earlier) < min_runs:
        return None
    return (
        median(r.records for r in earlier),
        f"median of {len(earlier)} earlier loads (this hour of the week has {len(same_slot)})",
    )


def _observe(runs: list[ResourceRun], subject: str, system: str, opts: RecordCountOptions):
    history = [r for r in runs if r.run.succeeded and not r.run.backfill]
    if not history:
        return Observation(
            subject, system, None, "no incremental load yet: nothing to compare", status=Status.PASS
        )
    latest = history[-1]
    since = latest.run.started_at - timedelta(weeks=opts.lookback_weeks)
    learned = expectation(
        latest, [r for r in history[:-1] if r.run.started_at >= since], opts.min_runs
    )
    if learned is None:
        return Observation(
            subject,
            system,
            None,
            f"learning: {latest.records:,} records in the last load; judged once "
            f"{opts.min_runs} earlier incremental loads exist",
            status=Status.PASS,
        )
    expected, basis = learned
    details = {"records": latest.records, "expected": expected, "run_id": latest.run.run_id}
    ratio = latest.records / expected if expected else 1.0
    message = f"{latest.records:,} records in the last load; expected {expected:,.0f} ({basis})"
    if expected < opts.min_expected:
        return Observation(
            subject,
            system,
            ratio,
            f"{message}: below the floor of {opts.min_expected:,}, not judged",
            details,
            status=Status.PASS,
        )
    return Observation(subject, system, ratio, message, details)


def evaluate(ctx: CheckContext, opts: RecordCountOptions) -> list[Observation]:
    runs = system_runs(ctx.con)
    return [
        _observe(resource_runs(ctx.con, runs, system, table), f"{system}.{table}", system, opts)
        for system, table in opts.resources
        if ctx.enabled(system)
    ]


KIND = CheckKind(
    name="record_count",
    summary="records per load against the same hour of the week (ratio of expected)",
    direction="below",
    unit=RATIO,
    warn=None,
    critical="50%",
    parse=parse,
    evaluate=evaluate,
)
