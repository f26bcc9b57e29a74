"""Missed updates: what the last audit of each system (`roundtrip audit`, pipelines/audit.py)
found the incremental loads had missed — records the warehouse lacked or held older than the
vendor — read from `state/monitor.sqlite` (`audit_runs`). The value is how many it found; they
were refetched, so finding some warns (the vendor backdates changes: imports, merges,
restores). A refetch that failed fails the check."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.checks.base import CheckContext, CheckKind, Observation, Options
from monitor.checks.units import COUNT
from monitor.results import Status
from warehouse.audit_log import last_audits

AUDITED_SYSTEMS = ("salesforce", "hubspot")


@dataclass(frozen=True)
class AuditOptions:
    systems: tuple[str, ...]


def parse(options: Options) -> AuditOptions:
    return AuditOptions(systems=options.systems("systems", AUDITED_SYSTEMS, among=AUDITED_SYSTEMS))


def evaluate(ctx: CheckContext, opts: AuditOptions) -> list[Observation]:
    audits = last_audits(ctx.paths)
    observations = []
    for system in opts.systems:
        if not ctx.enabled(system):
            continue
        rows = audits.get(system)
        if not rows:
            observations.append(
                Observation(system, system, None, "no audit yet", status=Status.PASS)
            )
            continue
        found = sum(r.found for r in rows)
        refetched = sum(r.refetched for r in rows)
        tables = ", ".join(f"{r.table_name} {r.found:,}" for r in rows if r.found)
        when = f"audit {rows[0].audit_id}"
        failed = [r for r in rows if r.error]
        message = (
            f"{when} found {found:,} missed update(s) ({tables}); refetched {refetched:,}"
            if found
            else f"{when} found no missed updates"
        )
        if failed:
            message += f"; the refetch failed: {failed[0].error}"
        observations.append(
            Observation(
                system,
                system,
                float(found),
                message,
                {"audit_id": rows[0].audit_id, "found": found, "refetched": refetched},
                status=Status.FAIL if failed else None,
            )
        )
    return observations


KIND = CheckKind(
    name="audit",
    summary="updates the last audit found the incremental loads had missed (refetched)",
    direction="above",
    unit=COUNT,
    warn=0,
    critical=None,
    parse=parse,
    evaluate=evaluate,
)
