"""The two-way syncs of `roundtrip sync`: validated against both vendors, then run from the
published warehouse (the scheduled path), or planned with `--dry-run`."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import duckdb

from reverse.plan import WAREHOUSE
from reverse.specs import SpecError
from reverse.state import SCHEMA as ONE_WAY_SCHEMA
from reverse.two_way.check import check_side
from reverse.two_way.events import EventSync
from reverse.two_way.scheduled import TwoWayReport, run_two_way
from reverse.two_way.spec import (
    CRM,
    CRM_SYSTEM,
    MAP,
    MAP_OBJECT,
    MAP_SYSTEM,
    TwoWaySpec,
    load_two_way,
)
from reverse.two_way.state import SCHEMA
from reverse.writers import open_writer, writer_for
from roundtrip.endpoints import open_endpoints
from roundtrip.errors import UserError
from roundtrip.settings import Settings
from warehouse.location import WarehousePaths
from warehouse.lock import WriterBusy, writer_lock
from warehouse.state_store import connect_state


def check_specs(specs: list[TwoWaySpec], writers: dict[str, Any]) -> None:
    """Every spec against both vendors' metadata: one line and exit 2 before anything is sent."""
    try:
        for spec in specs:
            check_side(spec, MAP, MAP_OBJECT, writers[MAP_SYSTEM].fields(MAP_OBJECT))
            for obj in spec.crm_objects:
                check_side(spec, CRM, obj, writers[CRM_SYSTEM].fields(obj))
    except SpecError as exc:
        raise UserError(f"{exc}; nothing was sent") from None


def event_specs(settings: Settings) -> list[TwoWaySpec]:
    """The two-way syncs `roundtrip serve` applies events to (none with either system off)."""
    if not all(settings.system(s).enabled for s in (MAP_SYSTEM, CRM_SYSTEM)):
        return []
    from roundtrip.stages.sync import specs_path

    try:
        return load_two_way(specs_path())
    except SpecError as exc:
        raise UserError(str(exc)) from None


def event_sync(settings: Settings, specs: list[TwoWaySpec], clients: dict[str, Any]) -> EventSync:
    """The real-time two-way path over serve's vendor clients; call in the thread that uses it
    (it opens its own connection to the state file)."""
    paths = WarehousePaths(settings.warehouse_dir)
    state = connect_state(paths.state_file("reverse"), ONE_WAY_SCHEMA + SCHEMA)
    writers = {system: writer_for(system, client) for system, client in clients.items()}
    return EventSync(specs, state, writers, paths.state_dir)


def run_two_way_syncs(
    settings: Settings,
    specs: list[TwoWaySpec],
    *,
    dry_run: bool,
    named: bool = False,
    echo: Any = print,
) -> list[TwoWayReport]:
    """Check every spec against both vendors' metadata (exit 2 before anything is sent), then
    run each under its own lock. With HubSpot or Salesforce disabled they are skipped with a
    line, unless `named` on the command line (then the disabled system is an error)."""
    if not specs:
        return []
    disabled = [s for s in (MAP_SYSTEM, CRM_SYSTEM) if not settings.system(s).enabled]
    if disabled and not named:
        echo(f"two-way syncs skipped: {', '.join(disabled)} disabled")
        return []
    paths = WarehousePaths(settings.warehouse_dir)
    reports = []
    with ExitStack() as stack:
        endpoints = stack.enter_context(open_endpoints(settings, [MAP_SYSTEM, CRM_SYSTEM]))
        writers = {}
        for endpoint in endpoints:
            writer = open_writer(endpoint.system, endpoint, server_paced=endpoint.mode == "sandbox")
            stack.callback(writer.client.close)
            writers[endpoint.system] = writer
        check_specs(specs, writers)
        state = connect_state(paths.state_file("reverse"), ONE_WAY_SCHEMA + SCHEMA)
        stack.callback(state.close)
        con = duckdb.connect()
        stack.callback(con.close)
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"ATTACH '{paths.published}' AS {WAREHOUSE} (READ_ONLY)")
        for spec in specs:
            lock = paths.state_dir / f"sync-{spec.name}.lock"
            try:
                with writer_lock(lock, f"roundtrip sync {spec.name}", timeout=0):
                    reports.append(run_two_way(spec, con, state, writers, dry_run=dry_run))
            except WriterBusy:
                echo(f"{spec.name}: skipped, another run of this sync is in progress ({lock})")
            except SpecError as exc:
                raise UserError(f"{exc}; nothing was sent") from None
    return reports


def render_two_way(
    reports: list[TwoWayReport], *, dry_run: bool, samples: int = 10
) -> list[object]:
    """Rich renderables: one row per two-way sync, then (dry run) per field before → after."""
    from rich.table import Table

    title = "two-way syncs (dry run: nothing sent)" if dry_run else "two-way syncs"
    table = Table(title=title)
    columns = ["sync", "links", "to HubSpot", "to Salesforce", "conflicts", "rejects", "unlinked",
               "create" if dry_run else "created"]  # fmt: skip
    if not dry_run:
        columns += ["requests", "status"]
    for column in columns:
        table.add_column(column, justify="left" if column in ("sync", "status") else "right")
    out: list[object] = [table]
    for r in reports:
        row: list[object] = [
            r.sync,
            r.links,
            r.to_map,
            r.to_crm,
            r.conflicts,
            len(r.rejects),
            len(r.unlinked),
            len(r.creates) if dry_run else sum(r.created.values()),
        ]
        if not dry_run:
            row += [r.requests, r.status]
        table.add_row(*(f"{v:,}" if isinstance(v, int) else str(v) for v in row))
    for r in reports:
        shown = 0
        for plan in r.plans:
            for d in plan.decisions:
                if d.write_to is None or (not dry_run) or shown >= samples:
                    continue
                shown += 1
                target = "HubSpot" if d.write_to == MAP else f"Salesforce {plan.link.crm_object}"
                before = d.map_before.value if d.write_to == MAP else d.crm_before.value
                record = plan.record_id(d.write_to)
                out.append(
                    f"{r.sync}: {target} {record} {d.field}: {before!r} → {d.value!r} ({d.rule})"
                )
        for map_id, fld, side, value, reason in r.rejects[:5]:
            out.append(
                f"{r.sync}: rejected HubSpot contact {map_id} {fld} ({side} value {value!r}): {reason}"
            )
        for side, record, reason in r.unlinked[:5]:
            who = "HubSpot contact" if side == MAP else "Salesforce record"
            out.append(f"{r.sync}: not synced: {who} {record}: {reason}")
        if len(r.unlinked) > 5:
            out.append(
                f"{r.sync}: … {len(r.unlinked) - 5:,} more not synced; see reverse.two_way_unlinked"
            )
    return out
