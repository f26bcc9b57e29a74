"""`roundtrip load`: resolve which systems and tables to read (pipelines/selection.py), reach each
chosen system (the real vendor or its sandbox stand-in) and run the load (pipelines/runner.py)
on the sandbox or wall clock, under the writer lock. When a system
failed, the `load_status` health checks run at once, so the failure is alerted through the usual
routes instead of when the data runs stale."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from pipelines.runner import LoadResult, run_load
from pipelines.selection import Selection, SelectionError, select
from roundtrip.clock import now
from roundtrip.endpoints import open_endpoints, sandbox_identity
from roundtrip.errors import UserError
from roundtrip.settings import Settings
from warehouse.location import WarehousePaths

if TYPE_CHECKING:
    from monitor.results import CheckResult


def selection(settings: Settings, names: list[str], exclude: list[str]) -> Selection:
    """The systems and tables `names` minus `exclude` select (no names: every enabled system);
    raises UserError naming a bad name."""
    try:
        return select(names, exclude, [s.name for s in settings.enabled_systems()])
    except SelectionError as exc:
        raise UserError(str(exc)) from None


def load(
    settings: Settings,
    names: list[str],
    *,
    exclude: list[str] | None = None,
    full_refresh: bool = False,
) -> LoadResult:
    """Load what `names` minus `exclude` select (systems or system.table; no names: every enabled
    system); raises UserError for a bad name, LoadRefused or WriterBusy when the load must not or
    cannot start."""
    chosen = selection(settings, names, exclude or [])
    for note in chosen.notes:
        print(note, file=sys.stderr)
    with open_endpoints(settings, chosen.systems) as endpoints:
        result = run_load(
            endpoints,
            WarehousePaths(settings.warehouse_dir),
            now=now(settings),
            identity=sandbox_identity(settings),
            full_refresh=full_refresh,
            tables=chosen.tables,
        )
    if not result.ok:
        alert_failed_loads(settings)
    return result


def alert_failed_loads(settings: Settings) -> list[CheckResult]:
    """Run every configured `load_status` check now (stored and routed; never raises)."""
    # imported here: a load that succeeded never needs the monitor (~0.3 s of imports)
    from monitor.checks.load_status import KIND as LOAD_STATUS
    from roundtrip.stages.health import alert_now

    return alert_now(settings, LOAD_STATUS.name, "the failed load")
