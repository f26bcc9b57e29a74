"""`roundtrip status`: the integration map of monitor/status.py for the configured systems."""

from __future__ import annotations

from monitor.status import StatusView, build_status
from roundtrip.clock import now
from roundtrip.settings import Settings
from roundtrip.stages.health import watched_systems
from warehouse.location import WarehousePaths


def status(settings: Settings) -> StatusView:
    return build_status(
        watched_systems(settings), WarehousePaths(settings.warehouse_dir), now(settings)
    )
