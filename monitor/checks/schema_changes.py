"""Schema changes: new columns and retyped fields the last load of each system noticed
(`monitor.schema_changes`) that no earlier load of it had recorded. A system's first load (or
--full-refresh) sets the baseline and is not judged."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.checks.base import CheckContext, CheckKind, Observation, Options
from monitor.checks.loads import has_table, system_runs
from monitor.checks.units import COUNT
from monitor.results import Status

SHOWN = 5


@dataclass(frozen=True)
class SchemaChangesOptions:
    systems: tuple[str, ...]


def parse(options: Options) -> SchemaChangesOptions:
    return SchemaChangesOptions(systems=options.systems("systems", options.known))


def evaluate(ctx: CheckContext, opts: SchemaChangesOptions) -> list[Observation]:
    runs = system_runs(ctx.con)
    recorded = has_table(ctx.con, "monitor", "schema_changes")
    observations = []
    for system in opts.systems:
        if not ctx.enabled(system) or not runs.get(system):
            continue
        last = runs[system][-1]
        if last.backfill:
            observations.append(
                Observation(
                    system,
                    system,
                    None,
                    "first load: its columns are the baseline",
                    status=Status.PASS,
                )
            )
            continue
        new = []
        if recorded:
            new = ctx.con.execute(
                "select distinct resource, column_name, kind, detail from monitor.schema_changes c "
                "where run_id = ? and system = ? and not exists (select 1 from "
                "monitor.schema_changes e where e.system = c.system and e.resource = c.resource "
                "and e.column_name = c.column_name and e.kind = c.kind "
                "and e.detected_at < c.detected_at) order by all",
                [last.run_id, system],
            ).fetchall()
        shown = [f"{resource}.{column} ({kind})" for resource, column, kind, _ in new]
        message = (
            f"load {last.run_id} noticed {len(new)} new change(s): "
            + ", ".join(shown[:SHOWN])
            + (f" and {len(shown) - SHOWN} more" if len(shown) > SHOWN else "")
            if new
            else f"no new columns or types in load {last.run_id}"
        )
        details = {
            "run_id": last.run_id,
            "changes": [
                {"resource": r, "column": c, "kind": k, "detail": d} for r, c, k, d in new[:50]
            ],
        }
        observations.append(Observation(system, system, float(len(new)), message, details))
    return observations


KIND = CheckKind(
    name="schema_changes",
    summary="columns the last load saw appear or change type for the first time",
    direction="above",
    unit=COUNT,
    warn=0,
    critical=None,
    parse=parse,
    evaluate=evaluate,
)
