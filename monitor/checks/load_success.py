"""Load success rate: the share of a resource's records the last load accepted, against the
records it rejected (malformed pages, records without a key: `monitor.load_rejects`)."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.checks.base import CheckContext, CheckKind, Observation, Options
from monitor.checks.loads import resource_runs, system_runs
from monitor.checks.units import RATIO
from monitor.results import Status


@dataclass(frozen=True)
class LoadSuccessOptions:
    resources: tuple[tuple[str, str], ...]
    min_records: int


def parse(options: Options) -> LoadSuccessOptions:
    return LoadSuccessOptions(
        resources=options.tables("resources", ["hubspot.form_submissions"]),
        min_records=options.integer("min_records", 20),
    )


def _observe(ctx: CheckContext, system: str, table: str, min_records: int) -> Observation:
    subject = f"{system}.{table}"
    loads = resource_runs(ctx.con, system_runs(ctx.con), system, table)
    if not loads:
        return Observation(subject, system, None, "not loaded yet", status=Status.PASS)
    last = loads[-1]
    seen = last.records + last.rejects
    rate = last.records / seen if seen else 1.0
    message = (
        f"{last.records:,} loaded, {last.rejects:,} rejected in load {last.run.run_id} "
        "(see monitor.load_rejects)"
    )
    details = {"loaded": last.records, "rejected": last.rejects, "run_id": last.run.run_id}
    if seen < min_records:
        return Observation(
            subject,
            system,
            rate,
            f"{message}: fewer than {min_records} records, not judged",
            details,
            status=Status.PASS,
        )
    return Observation(subject, system, rate, message, details)


def evaluate(ctx: CheckContext, opts: LoadSuccessOptions) -> list[Observation]:
    return [
        _observe(ctx, system, table, opts.min_records)
        for system, table in opts.resources
        if ctx.enabled(system)
    ]


KIND = CheckKind(
    name="load_success_rate",
    summary="share of records the last load accepted (loaded / loaded + rejected)",
    direction="below",
    unit=RATIO,
    warn=None,
    critical="95%",
    parse=parse,
    evaluate=evaluate,
)
