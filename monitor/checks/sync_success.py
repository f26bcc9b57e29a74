"""Reverse-sync success rate: the share of the records the last finished run of each sync sent
that the destination accepted (`sync_runs`: the live `state/reverse.sqlite` when it exists,
else the published `reverse.sync_runs`). A run that planned records but sent none scores 0."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from monitor.checks.base import CheckContext, CheckKind, Observation, Options
from monitor.checks.loads import has_table
from monitor.checks.units import RATIO
from monitor.results import Status

COLUMNS = (
    "run_id, sync, started_at, finished_at, status, planned, sent, accepted, rejected, "
    "checked, mismatched"
)
LATEST_FINISHED = (
    f"select {COLUMNS} from (select {COLUMNS}, row_number() over "
    "(partition by sync order by started_at desc, run_id desc) as n "
    "from {table} where finished_at is not null) where n = 1 order by sync"
)


@dataclass(frozen=True)
class SyncSuccessOptions:
    syncs: tuple[str, ...]  # empty: every sync that has run
    min_sent: int


def parse(options: Options) -> SyncSuccessOptions:
    return SyncSuccessOptions(
        syncs=options.names("syncs", []), min_sent=options.integer("min_sent", 1)
    )


def sync_system(sync: str) -> str:
    """The integration name a sync's results and alerts carry (for `roundtrip status`)."""
    return f"sync:{sync}"


def latest_sync_runs(ctx: CheckContext) -> list[dict[str, Any]]:
    """The last finished run of every sync, newest state first: the state file, else the
    published copy; [] when no sync ever ran."""
    state = ctx.paths.state_file("reverse")
    if state.exists():
        con = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=30)
        try:
            con.row_factory = sqlite3.Row
            known = con.execute(
                "select count(*) from sqlite_master where type = 'table' and name = 'sync_runs'"
            ).fetchone()[0]
            if known:
                return [dict(r) for r in con.execute(LATEST_FINISHED.format(table="sync_runs"))]
        finally:
            con.close()
    if not has_table(ctx.con, "reverse", "sync_runs"):
        return []
    cursor = ctx.con.execute(LATEST_FINISHED.format(table="reverse.sync_runs"))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _observe(run: dict[str, Any], min_sent: int) -> Observation:
    sync, sent, accepted = run["sync"], run["sent"] or 0, run["accepted"] or 0
    details = {k: run[k] for k in ("run_id", "status", "planned", "sent", "accepted", "rejected")}
    message = (
        f"{accepted:,} of {sent:,} sent accepted ({run['rejected'] or 0:,} rejected; "
        f"{run['planned'] or 0:,} planned) in run {run['run_id']} ({run['status']})"
    )
    if sent == 0 and not run["planned"]:
        return Observation(
            sync,
            sync_system(sync),
            None,
            "nothing to send in the last run",
            details,
            status=Status.PASS,
        )
    rate = accepted / sent if sent else 0.0
    if 0 < sent < min_sent:
        return Observation(
            sync,
            sync_system(sync),
            rate,
            f"{message}: fewer than {min_sent} sent, not judged",
            details,
            status=Status.PASS,
        )
    return Observation(sync, sync_system(sync), rate, message, details)


def evaluate(ctx: CheckContext, opts: SyncSuccessOptions) -> list[Observation]:
    runs = [r for r in latest_sync_runs(ctx) if not opts.syncs or r["sync"] in opts.syncs]
    if not runs:
        return [Observation("reverse_sync", None, None, "no syncs yet", status=Status.PASS)]
    return [_observe(run, opts.min_sent) for run in runs]


KIND = CheckKind(
    name="sync_success_rate",
    summary="share of sent records the destination accepted, per reverse sync",
    direction="below",
    unit=RATIO,
    warn=None,
    critical="95%",
    parse=parse,
    evaluate=evaluate,
)
