"""Rejects growing: records or pages the last load of each system could not load (each kept
with its reason and payload in `monitor.load_rejects`). The value is that load's reject count,
summed over the system's resources; the message names the resources that rejected."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.checks.base import CheckContext, CheckKind, Observation, Options
from monitor.checks.loads import has_table, system_runs
from monitor.checks.units import COUNT


@dataclass(frozen=True)
class RejectsOptions:
    systems: tuple[str, ...]


def parse(options: Options) -> RejectsOptions:
    return RejectsOptions(systems=options.systems("systems", options.known))


def evaluate(ctx: CheckContext, opts: RejectsOptions) -> list[Observation]:
    if not has_table(ctx.con, "monitor", "load_resource_runs"):
        return []
    runs = system_runs(ctx.con)
    observations = []
    for system in opts.systems:
        if not ctx.enabled(system) or not runs.get(system):
            continue
        last = runs[system][-1]
        by_resource = ctx.con.execute(
            "select resource, rejects from monitor.load_resource_runs "
            "where run_id = ? and system = ? and rejects > 0 order by resource",
            [last.run_id, system],
        ).fetchall()
        count = sum(n for _, n in by_resource)
        named = ", ".join(f"{resource} {n:,}" for resource, n in by_resource)
        observations.append(
            Observation(
                system,
                system,
                float(count),
                f"load {last.run_id} rejected {count:,} ({named}); see monitor.load_rejects"
                if count
                else f"load {last.run_id} rejected nothing",
                {"run_id": last.run_id, "by_resource": dict(by_resource)},
            )
        )
    return observations


KIND = CheckKind(
    name="rejects",
    summary="records or pages the last load of each system rejected",
    direction="above",
    unit=COUNT,
    warn=0,
    critical=100,
    parse=parse,
    evaluate=evaluate,
)
