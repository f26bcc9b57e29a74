"""The loads' own records as the checks need them (`monitor.load_runs`, `load_resource_runs`,
`warehouse_meta`, written by pipelines/run_log.py): each system's runs in order, which of them
were backfills, and when each finished on the monitoring clock.

Load runs are stamped with the wall clock. In sandbox mode the monitoring clock is the sandbox's,
which stands still between `sandbox advance` calls; a load's place on it is known for the last
load that completed every system (it records `sandbox_now` in `warehouse_meta`): that clock
plus the time the run took. Earlier sandbox runs have no known place on the sandbox clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb


@dataclass(frozen=True)
class SystemRun:
    """One system's part of one `roundtrip load` run."""

    run_id: str
    system: str
    mode: str  # sandbox | real
    started_at: datetime  # wall clock
    finished_at: datetime | None
    status: str  # running | succeeded | failed
    backfill: bool  # the system's first successful load, or --full-refresh
    clock_finished: datetime | None  # the finish on the monitoring clock; None when unknown

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


@dataclass(frozen=True)
class ResourceRun:
    """One resource's counters in one system run."""

    run: SystemRun
    resource: str
    records: int
    new: int
    rejects: int


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _sandbox_clock(con: duckdb.DuckDBPyConnection) -> datetime | None:
    if not has_table(con, "monitor", "warehouse_meta"):
        return None
    row = con.execute(
        "select value from monitor.warehouse_meta where key = 'sandbox_now'"
    ).fetchone()
    return _utc(datetime.fromisoformat(row[0])) if row else None


def system_runs(con: duckdb.DuckDBPyConnection) -> dict[str, list[SystemRun]]:
    """Every system's runs, oldest first; {} before the first load."""
    if not has_table(con, "monitor", "load_runs"):
        return {}
    rows = con.execute(
        "select run_id, system, mode, started_at, finished_at, status, full_refresh, "
        "min(started_at) over (partition by run_id) as run_started, "
        "bool_and(status = 'succeeded') over (partition by run_id) as run_ok "
        "from monitor.load_runs order by started_at, system"
    ).fetchall()
    complete = [r for r in rows if r[8]]
    clock_run = max(complete, key=lambda r: r[7])[0] if complete else None
    sandbox_now = _sandbox_clock(con)
    runs: dict[str, list[SystemRun]] = {}
    for run_id, system, mode, started, finished, status, full_refresh, run_started, _ in rows:
        finished = _utc(finished) if finished else None
        earlier = runs.setdefault(system, [])
        clock: datetime | None = None
        if mode != "sandbox":
            clock = finished
        elif run_id == clock_run and sandbox_now and finished:
            clock = sandbox_now + (finished - _utc(run_started))
        backfill = bool(full_refresh) or not any(r.succeeded for r in earlier)
        earlier.append(
            SystemRun(run_id, system, mode, _utc(started), finished, status, backfill, clock)
        )
    return runs


def resource_runs(
    con: duckdb.DuckDBPyConnection,
    runs: dict[str, list[SystemRun]],
    system: str,
    resource: str,
) -> list[ResourceRun]:
    """The resource's counters in each run of its system that recorded it, oldest first."""
    if not has_table(con, "monitor", "load_resource_runs"):
        return []
    counters = {
        run_id: (records, new, rejects)
        for run_id, records, new, rejects in con.execute(
            "select run_id, records, new_records, rejects from monitor.load_resource_runs "
            "where system = ? and resource = ?",
            [system, resource],
        ).fetchall()
    }
    return [
        ResourceRun(run, resource, *counters[run.run_id])
        for run in runs.get(system, [])
        if run.run_id in counters
    ]
