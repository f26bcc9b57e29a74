"""`roundtrip sync`: validate every chosen spec, then run each sync against its destination.

Reads the published, read-only warehouse (never blocks analysts, never waits for a load) and
writes only its own state file (`<warehouse>/state/reverse.sqlite`). Each sync holds its own
lock, so a scheduled run and a manual one never overlap.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from connectors.http.errors import VendorError
from reverse.engine import SyncReport, run_sync
from reverse.plan import PlanCounts, Planner
from reverse.specs import DEFAULT_SPECS, SpecError, SyncSpec, load_specs, select_specs
from reverse.state import SCHEMA
from reverse.two_way.spec import TwoWaySpec, load_two_way
from reverse.writers import check_fields, open_writer, systems_of
from roundtrip.endpoints import open_endpoints
from roundtrip.errors import UserError
from roundtrip.settings import Settings
from warehouse.location import WarehousePaths
from warehouse.lock import WriterBusy, writer_lock
from warehouse.state_store import connect_state

SPECS_ENV = "ROUNDTRIP_SYNCS"


def specs_path() -> Path:
    """The sync spec file: $ROUNDTRIP_SYNCS, else reverse/syncs.yml."""
    return Path(os.environ.get(SPECS_ENV) or DEFAULT_SPECS)


def split_two_way(names: tuple[str, ...]) -> tuple[tuple[str, ...], list[TwoWaySpec]]:
    """The one-way sync names and the two-way specs among `names` (none named: every two-way
    sync of the spec file)."""
    try:
        two_way = load_two_way(specs_path())
    except SpecError as exc:
        raise UserError(str(exc)) from None
    by_name = {s.name: s for s in two_way}
    if not names:
        return (), two_way
    return tuple(n for n in names if n not in by_name), [by_name[n] for n in names if n in by_name]


def _check_all(specs: list[SyncSpec], check: Callable[[SyncSpec], None]) -> None:
    try:
        for spec in specs:
            check(spec)
    except SpecError as exc:
        raise UserError(f"{exc}; nothing was sent") from None


def _check_destinations(
    specs: list[SyncSpec], writers: dict[str, Any], echo: Callable[[str], None]
) -> tuple[list[SyncSpec], list[SyncReport]]:
    """Check each spec's destination fields. A spec the vendor cannot answer for (unavailable,
    quota used up, credentials) fails on its own, as one line, and the other syncs run; a spec
    that is wrong stops every sync before anything is sent."""
    runnable, failed = [], []
    for spec in specs:
        try:
            check_fields(writers[spec.destination.system], spec)
        except SpecError as exc:
            raise UserError(f"{exc}; nothing was sent") from None
        except VendorError as exc:
            echo(f"{spec.name}: not run, checking its destination fields failed: {exc}")
            failed.append(SyncReport(spec.name, None, PlanCounts(), status="failed"))
        else:
            runnable.append(spec)
    return runnable, failed


def run_syncs(
    settings: Settings,
    names: tuple[str, ...],
    *,
    dry_run: bool = False,
    full: bool = False,
    echo: Callable[[str], None] = print,
) -> list[SyncReport]:
    """Run the named syncs (all when none); every spec is validated before anything is sent."""
    paths = WarehousePaths(settings.warehouse_dir)
    if not paths.published.exists():
        raise UserError(
            f"no published warehouse at {paths.published}; run `roundtrip load` and "
            "`roundtrip transform` first"
        )
    try:
        specs = select_specs(load_specs(specs_path()), names)
        systems = systems_of(specs)
    except SpecError as exc:
        raise UserError(str(exc)) from None
    with ExitStack() as stack:
        planner = stack.enter_context(Planner(paths.published))
        _check_all(specs, planner.check)  # the model first: no vendor is contacted for it
        endpoints = stack.enter_context(open_endpoints(settings, systems))
        writers = {}
        for endpoint in endpoints:
            writer = open_writer(endpoint.system, endpoint, server_paced=endpoint.mode == "sandbox")
            stack.callback(writer.client.close)
            writers[endpoint.system] = writer
        specs, reports = _check_destinations(specs, writers, echo)
        state = connect_state(paths.state_file("reverse"), SCHEMA)
        stack.callback(state.close)
        for spec in specs:
            lock = paths.state_dir / f"sync-{spec.name}.lock"
            try:
                with writer_lock(lock, f"roundtrip sync {spec.name}", timeout=0):
                    reports.append(
                        run_sync(
                            spec,
                            planner,
                            state,
                            writers[spec.destination.system],
                            full=full,
                            dry_run=dry_run,
                        )
                    )
            except WriterBusy:
                echo(f"{spec.name}: skipped, another run of this sync is in progress ({lock})")
    return reports


def render_reports(reports: list[SyncReport], *, dry_run: bool) -> list[object]:
    """Rich renderables: one summary table, then each sync's samples (dry run) or rejections."""
    from rich.table import Table

    table = Table(title="planned changes (dry run: nothing sent)" if dry_run else "sync runs")
    columns = ["sync", "inserts", "updates", "clears", "skip null", "invalid", "retried"]
    if not dry_run:
        columns += ["sent", "accepted", "rejected", "dead", "requests", "seconds", "status"]
    for column in columns:
        text = column in ("sync", "status")
        table.add_column(column, justify="left" if text else "right", no_wrap=text)
    out: list[object] = [table]
    for r in reports:
        c = r.counts
        row = [r.sync, c.inserts, c.updates, c.clears, c.skipped_null, c.invalid, c.retried]
        if not dry_run:
            row += [
                r.sent,
                r.accepted,
                r.rejected,
                r.dead,
                r.requests,
                f"{r.seconds:.1f}",
                r.status,
            ]
        table.add_row(*(f"{v:,}" if isinstance(v, int) else str(v) for v in row))
    for r in reports:
        if dry_run:
            for action, samples in r.counts.samples.items():
                out.append(f"{r.sync}: sample {action}s")
                out.extend(f"  {sample}" for sample in samples)
        recon = r.reconciliation
        if recon.mismatched:
            out.append(
                f"{r.sync}: {recon.mismatched:,} of {recon.checked:,} records read back by the last "
                "load no longer hold the value the CRM accepted"
                + ("" if dry_run else "; sent again (see reverse.sync_mismatches)")
            )
            out.extend(
                f"  {key} {fld}: accepted {a!r}, CRM holds {c!r}"
                for key, fld, a, c in recon.samples
            )
        for outcome in r.rejections:
            out.append(f"{r.sync}: rejected {outcome.key}: {outcome.reason}")
        if r.rejected > len(r.rejections):
            out.append(
                f"{r.sync}: … {r.rejected - len(r.rejections)} more; see reverse.sync_rejects"
            )
        if r.error:
            out.append(f"{r.sync}: FAILED: {r.error}")
    return out
