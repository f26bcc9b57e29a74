"""`roundtrip health`: the checks of monitor/ on the monitoring clock, for the systems the settings
enable, each with its vendor's freshness facts."""

from __future__ import annotations

import logging

from connectors.api_versions import lifecycle, upgrade_target
from connectors.registry import vendor
from monitor.config import MonitorConfig, MonitorConfigError, load_monitor_config
from monitor.health import run_health
from monitor.results import CheckResult
from monitor.systems import AdTables, ApiVersionFacts, MonitoredSystem
from roundtrip.clock import now
from roundtrip.errors import UserError
from roundtrip.settings import Settings
from warehouse.location import WarehousePaths

log = logging.getLogger("roundtrip.health")


def api_facts(name: str) -> ApiVersionFacts:
    """The API version a system speaks and its announced sunset, for the lifecycle check."""
    spoken = lifecycle(name).current
    return ApiVersionFacts(spoken.version, spoken.sunset, upgrade_target(name), spoken.source)


def watched_systems(settings: Settings) -> dict[str, MonitoredSystem]:
    """Every system as the checks see it: enabled and mode from the settings, the rest from its
    vendor descriptor (freshness, ad-spend tables)."""
    watched = {}
    for name, system in settings.systems.items():
        described = vendor(name)
        spend = described.ad_spend
        watched[name] = MonitoredSystem(
            name,
            system.enabled,
            system.mode,
            described.freshness_hours,
            {t.name: t.as_of for t in described.tables if t.as_of},
            AdTables(spend.daily, spend.account, spend.campaigns, spend.status, spend.enabled)
            if spend
            else None,
            api_facts(name),
        )
    return watched


def health(
    settings: Settings, only: tuple[str, ...] = (), *, config: MonitorConfig | None = None
) -> list[CheckResult]:
    """Run the `only` checks (default: every enabled one), store and route their results."""
    paths = WarehousePaths(settings.warehouse_dir)
    try:
        return run_health(watched_systems(settings), paths, now(settings), only, config=config)
    except FileNotFoundError as exc:
        raise UserError(str(exc)) from None


def alert_now(settings: Settings, kind: str, why: str) -> list[CheckResult]:
    """Run every configured check of `kind` now (storing and routing its results), because of
    `why` (a failed load, a failed build); a problem doing so is logged as one line, never
    raised: the stage's own result stands."""
    try:
        config = load_monitor_config(None, watched_systems(settings))
        names = tuple(c.name for c in config.select() if c.kind == kind)
        return health(settings, names, config=config) if names else []
    except (MonitorConfigError, UserError, OSError) as exc:
        log.warning("could not alert %s through the health checks: %s", why, exc)
        return []
