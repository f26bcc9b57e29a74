"""`roundtrip load`: reach each chosen system (the real vendor or its sandbox stand-in) and run the
load (pipelines/runner.py) on the sandbox or wall clock, under the writer lock. When a system
failed, the `load_status` health checks run at once, so the failure is alerted through the usual
routes instead of when the data runs stale."""

from __future__ import annotations

from monitor.checks.load_status import KIND as LOAD_STATUS
from monitor.results import CheckResult
from pipelines.runner import LoadResult, run_load
from roundtrip.clock import now
from roundtrip.endpoints import open_endpoints, sandbox_identity
from roundtrip.settings import Settings
from roundtrip.stages.health import alert_now
from warehouse.location import WarehousePaths


def load(settings: Settings, systems: list[str], *, full_refresh: bool = False) -> LoadResult:
    """Load `systems` (empty: every enabled one); raises LoadRefused or WriterBusy when the load
    must not or cannot start."""
    with open_endpoints(settings, systems) as endpoints:
        result = run_load(
            endpoints,
            WarehousePaths(settings.warehouse_dir),
            now=now(settings),
            identity=sandbox_identity(settings),
            full_refresh=full_refresh,
        )
    if not result.ok:
        alert_failed_loads(settings)
    return result


def alert_failed_loads(settings: Settings) -> list[CheckResult]:
    """Run every configured `load_status` check now (stored and routed; never raises)."""
    return alert_now(settings, LOAD_STATUS.name, "the failed load")
