"""Reverse-sync round trip: records whose value in the CRM, as the latest load read it back, no
longer matches what the CRM accepted from the sync (`sync_runs.checked` / `mismatched`, counted
by the last finished run of each sync; the records are in `reverse.sync_mismatches` and that
run sent them again)."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.checks.base import CheckContext, CheckKind, Observation, Options
from monitor.checks.sync_success import latest_sync_runs, sync_system
from monitor.checks.units import COUNT
from monitor.results import Status


@dataclass(frozen=True)
class SyncRoundtripOptions:
    syncs: tuple[str, ...]  # empty: every sync that has run


def parse(options: Options) -> SyncRoundtripOptions:
    return SyncRoundtripOptions(syncs=options.names("syncs", []))


def evaluate(ctx: CheckContext, opts: SyncRoundtripOptions) -> list[Observation]:
    runs = [r for r in latest_sync_runs(ctx) if not opts.syncs or r["sync"] in opts.syncs]
    if not runs:
        return [Observation("reverse_sync", None, None, "no syncs yet", status=Status.PASS)]
    observations = []
    for run in runs:
        checked, mismatched = run["checked"] or 0, run["mismatched"] or 0
        details = {"run_id": run["run_id"], "checked": checked, "mismatched": mismatched}
        if not checked:
            observations.append(
                Observation(
                    run["sync"], sync_system(run["sync"]), None,
                    "no accepted record read back by a load yet", details, status=Status.PASS,
                )
            )  # fmt: skip
            continue
        message = (
            f"{mismatched:,} of {checked:,} records read back by the last load no longer held "
            f"the accepted value (re-sent by run {run['run_id']}; see reverse.sync_mismatches)"
        )
        observations.append(
            Observation(run["sync"], sync_system(run["sync"]), mismatched, message, details)
        )
    return observations


KIND = CheckKind(
    name="sync_roundtrip",
    summary="records whose CRM value no longer matches what the CRM accepted, per reverse sync",
    direction="above",
    unit=COUNT,
    warn=0,
    critical=None,
    parse=parse,
    evaluate=evaluate,
)
