"""`roundtrip load`: reach each chosen system (the real vendor or its sandbox stand-in) and run the
load (pipelines/runner.py) on the sandbox or wall clock, under the writer lock."""

from __future__ import annotations

from pipelines.runner import LoadResult, run_load
from roundtrip.clock import now
from roundtrip.endpoints import open_endpoints, sandbox_identity
from roundtrip.settings import Settings
from warehouse.location import WarehousePaths


def load(settings: Settings, systems: list[str], *, full_refresh: bool = False) -> LoadResult:
    """Load `systems` (empty: every enabled one); raises LoadRefused or WriterBusy when the load
    must not or cannot start."""
    with open_endpoints(settings, systems) as endpoints:
        return run_load(
            endpoints,
            WarehousePaths(settings.warehouse_dir),
            now=now(settings),
            identity=sandbox_identity(settings),
            full_refresh=full_refresh,
        )
