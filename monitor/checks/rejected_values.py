"""Rejected values: numeric vendor fields a vendor retyped whose values no longer parse, so the
transform left their rows out of staging (`staging.stg_drift__rejected_values`, built by dbt
from the load's text variants). The value is the count per system; the message names the
fields and an example with its reason."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.checks.base import CheckContext, CheckKind, Observation, Options
from monitor.checks.loads import has_table
from monitor.checks.units import COUNT

SCHEMA, TABLE = "staging", "stg_drift__rejected_values"


@dataclass(frozen=True)
class RejectedValuesOptions:
    systems: tuple[str, ...]


def parse(options: Options) -> RejectedValuesOptions:
    return RejectedValuesOptions(systems=options.systems("systems", options.known))


def evaluate(ctx: CheckContext, opts: RejectedValuesOptions) -> list[Observation]:
    if not has_table(ctx.con, SCHEMA, TABLE):
        return []
    rows = ctx.con.execute(
        f"select system, source_table || '.' || column_name, count(*), min(reason) "
        f"from {SCHEMA}.{TABLE} group by all order by all"
    ).fetchall()
    by_system: dict[str, list[tuple[str, int, str]]] = {}
    for system, field, count, reason in rows:
        by_system.setdefault(system, []).append((field, count, reason))
    observations = []
    for system in opts.systems:
        if not ctx.enabled(system):
            continue
        fields = by_system.get(system, [])
        count = sum(n for _, n, _ in fields)
        message = (
            f"{count:,} value(s) of retyped fields do not parse and their rows were left out of "
            f"staging ({', '.join(f'{f} {n:,}' for f, n, _ in fields)}; e.g. {fields[0][2]}); "
            f"see {SCHEMA}.{TABLE}"
            if count
            else "every retyped value parsed"
        )
        details = {"by_field": {f: n for f, n, _ in fields}}
        observations.append(Observation(system, system, float(count), message, details))
    return observations


KIND = CheckKind(
    name="rejected_values",
    summary="values of retyped numeric vendor fields that do not parse (rows left out)",
    direction="above",
    unit=COUNT,
    warn=None,
    critical=0,
    parse=parse,
    evaluate=evaluate,
)
