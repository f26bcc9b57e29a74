"""Status (`roundtrip status`, through roundtrip/stages/status.py): the integration map — every
source system, every reverse sync, both directions of every two-way sync and the real-time
path's inbox — with each one's last run, the rows it moved, how fresh its data is and its open
alerts.

Reads the published warehouse (load runs, raw tables), the reverse sync log, the alert state
in `<warehouse>/state/monitor.sqlite` and each system's latest load in `state/loads.sqlite` (so a
running, failed or interrupted load shows before anything is published); works while a load runs
and before anything was loaded.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
from rich.table import Table

from monitor.alerts.state import OpenAlert, open_alerts
from monitor.checks.base import CheckContext
from monitor.checks.freshness import loaded_through
from monitor.checks.loads import SystemRun, system_runs
from monitor.checks.sync_success import latest_sync_runs, sync_system
from monitor.checks.units import HOURS
from monitor.systems import Systems
from warehouse import load_state
from warehouse.load_state import LoadState
from warehouse.location import WarehousePaths
from warehouse.publish import connect_published


@dataclass(frozen=True)
class Integration:
    """One line of the map."""

    name: str  # the system, or sync:<name>
    flow: str
    mode: str
    last_run: str
    rows: str
    freshness: str
    alerts: list[OpenAlert] = field(default_factory=list)


@dataclass(frozen=True)
class StatusView:
    integrations: list[Integration]
    other_alerts: list[OpenAlert]  # open alerts that belong to no integration (dbt, channels)
    now: datetime


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _latest_load(state: LoadState | None, last: SystemRun | None) -> str | None:
    """The state store's word on the system's load when it is newer than the last published run
    (running, failed, interrupted: those publish nothing of their own)."""
    if state is None or (last is not None and state.run_id <= last.run_id):
        return None
    error = f": {state.error}" if state.error and state.status != "succeeded" else ""
    return f"{state.status} {_when(state.finished_at or state.started_at)}{error}"


def _source(
    ctx: CheckContext, system: str, runs: list[SystemRun], state: LoadState | None
) -> Integration:
    watched = ctx.systems[system]
    flow = f"{system} → raw_{system}"
    if not watched.enabled:
        return Integration(system, flow, "disabled", "-", "-", "-")
    latest_load = _latest_load(state, runs[-1] if runs else None)
    if not runs:
        return Integration(system, flow, watched.mode, latest_load or "never", "-", "never loaded")
    last = runs[-1]
    (count,) = ctx.con.execute(
        "select coalesce(sum(records), 0) from monitor.load_resource_runs "
        "where run_id = ? and system = ?",
        [last.run_id, system],
    ).fetchone()
    only = _partial(ctx, last)
    through = loaded_through(ctx, system, dict(watched.freshness_tables))
    freshness = (
        f"{HOURS.format(max((ctx.now - through).total_seconds() / 3600, 0.0))} old"
        if through
        else "no data"
    )
    return Integration(
        system,
        flow,
        watched.mode,
        latest_load or f"{last.status} {_when(last.finished_at or last.started_at)}{only}",
        f"{count:,} records",
        freshness,
    )


def _partial(ctx: CheckContext, run: SystemRun) -> str:
    """` (contacts, deals only)` when the run read some of the system's tables, else ``."""
    columns = ctx.con.execute(
        "select 1 from information_schema.columns where table_schema = 'monitor' "
        "and table_name = 'load_runs' and column_name = 'resources'"
    ).fetchall()
    row = (
        columns
        and ctx.con.execute(
            "select resources from monitor.load_runs where run_id = ? and system = ?",
            [run.run_id, run.system],
        ).fetchone()
    )
    return f" ({row[0]} only)" if row and row[0] else ""


def _syncs(ctx: CheckContext) -> list[Integration]:
    lines = []
    for run in latest_sync_runs(ctx):
        finished = datetime.fromisoformat(str(run["finished_at"]))
        age = (datetime.now(UTC) - finished.replace(tzinfo=finished.tzinfo or UTC)).total_seconds()
        lines.append(
            Integration(
                sync_system(run["sync"]),
                "marts → CRM",
                "reverse sync",
                f"{run['status']} {_when(finished)}",
                f"{run['accepted'] or 0:,} of {run['sent'] or 0:,} accepted",
                f"ran {HOURS.format(max(age, 0) / 3600)} ago",
            )
        )
    return lines


def _realtime(paths: WarehousePaths) -> list[Integration]:
    """The real-time path (`roundtrip serve`), from the live inbox; nothing before it first ran."""
    path = paths.state_file("events")
    if not path.exists():
        return []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        counts = dict(con.execute("select status, count(*) from inbox group by status").fetchall())
        (applied,) = con.execute("select max(applied_at) from inbox").fetchone()
        (seen,) = con.execute("select max(last_seen_at) from heartbeats").fetchone()
        (refused,) = con.execute("select count(*) from refusals").fetchone()
    finally:
        con.close()
    silent = (datetime.now(UTC) - datetime.fromisoformat(seen)).total_seconds() if seen else None
    running = silent is not None and silent < 60
    dead = counts.get("dead", 0)
    rows = (f"{counts.get('done', 0):,} applied, {counts.get('pending', 0):,} waiting, "
            f"{dead:,} dead{' (roundtrip events list --status dead)' if dead else ''}, "
            f"{refused:,} refused")  # fmt: skip
    return [
        Integration(
            "realtime",
            "website forms, HubSpot webhooks, Salesforce poll → inbox → Salesforce",
            "serve running" if running else "serve stopped",
            f"applied {_when(datetime.fromisoformat(applied)) if applied else 'never'}",
            rows,
            "live" if running else f"serve last seen {HOURS.format((silent or 0) / 3600)} ago",
        )
    ]


_LATEST_TWO_WAY = """
select * from two_way_runs r where status != 'running' and started_at = (
    select max(started_at) from two_way_runs where sync = r.sync and status != 'running'
) order by sync
"""


def _two_way(ctx: CheckContext) -> list[Integration]:
    """Two lines per two-way sync (one per direction): its last run, the field changes that
    crossed that way, and the sync's conflicts, rejects and unlinked records."""
    state = ctx.paths.state_file("reverse")
    if not state.exists():
        return []
    con = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=30)
    try:
        con.row_factory = sqlite3.Row
        known = con.execute(
            "select count(*) from sqlite_master where type = 'table' and name = 'two_way_runs'"
        ).fetchone()[0]
        runs = [dict(r) for r in con.execute(_LATEST_TWO_WAY)] if known else []
    finally:
        con.close()
    lines = []
    for run in runs:
        finished = datetime.fromisoformat(str(run["finished_at"] or run["started_at"]))
        age = (datetime.now(UTC) - finished.replace(tzinfo=finished.tzinfo or UTC)).total_seconds()
        extra = f"{run['conflicts']:,} conflicts, {run['rejects']:,} rejects, {run['unlinked']:,} unlinked"
        for flow, changes in (
            ("hubspot → salesforce", run["to_crm"]),
            ("salesforce → hubspot", run["to_map"]),
        ):
            lines.append(
                Integration(
                    sync_system(run["sync"]),
                    flow,
                    "two-way sync",
                    f"{run['status']} {_when(finished)} ({run['path']})",
                    f"{changes:,} field changes; {extra}",
                    f"ran {HOURS.format(max(age, 0) / 3600)} ago",
                )
            )
    return lines


def build_status(systems: Systems, paths: WarehousePaths, now: datetime) -> StatusView:
    """The integration map as of `now` (the monitoring clock)."""
    published = paths.published.exists()
    with connect_published(paths) if published else duckdb.connect(":memory:") as con:
        ctx = CheckContext(con, now, systems, paths)
        runs = system_runs(con)
        loads = load_state.latest(paths)
        integrations = [_source(ctx, s, runs.get(s, []), loads.get(s)) for s in systems]
        integrations += _syncs(ctx)
        integrations += _two_way(ctx)
    integrations += _realtime(paths)
    alerts = []
    if paths.state_file("monitor").exists():
        state = sqlite3.connect(f"file:{paths.state_file('monitor')}?mode=ro", uri=True, timeout=30)
        try:
            alerts = open_alerts(state)
        finally:
            state.close()
    names = {i.name for i in integrations}
    for integration in integrations:
        integration.alerts.extend(a for a in alerts if a.system == integration.name)
    return StatusView(integrations, [a for a in alerts if a.system not in names], now)


def status_table(view: StatusView) -> Table:
    # two clocks, each labelled: freshness is measured on the data's clock (the sandbox's in
    # sandbox mode), run times are wall-clock moments
    table = Table(
        title=f"Integrations — data as of {_when(view.now)}; run at {_when(datetime.now(UTC))}"
    )
    for column in (
        "integration",
        "flow",
        "mode",
        "last run (run at)",
        "rows",
        "freshness (data as of)",
        "open alerts",
    ):
        table.add_column(column, no_wrap=column in ("integration", "mode"), overflow="fold")
    for i in view.integrations:
        alerts = (
            ", ".join(f"[red]{a.severity.name.lower()}[/] {a.check}/{a.subject}" for a in i.alerts)
            or "[green]none[/]"
        )
        table.add_row(i.name, i.flow, i.mode, i.last_run, i.rows, i.freshness, alerts)
    if view.other_alerts:
        others = ", ".join(
            f"{a.severity.name.lower()} {a.check}/{a.subject}" for a in view.other_alerts
        )
        table.caption = f"other open alerts: {others}"
    return table
