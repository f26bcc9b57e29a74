"""Health: evaluate the configured checks against the published warehouse (read-only, so it runs
while a load holds the working file), store every result in the history, hand them to the alert
router, and grade the run for the exit code. `roundtrip health` runs it through
roundtrip/stages/health.py, which hands in the systems and the monitoring clock."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

from rich.table import Table

from monitor.alerts.config import AlertsConfig, AlertsConfigError, load_alerts_config
from monitor.alerts.router import DispatchReport, dispatch
from monitor.checks.base import CheckContext, grade
from monitor.checks.units import UNITS
from monitor.config import CheckConfig, MonitorConfig, MonitorConfigError, load_monitor_config
from monitor.history import append_results, connect_history, record_run, status_since
from monitor.load_gate import gate
from monitor.results import CheckResult, Severity, Status
from monitor.systems import Systems
from warehouse.load_state import latest
from warehouse.location import WarehousePaths
from warehouse.publish import connect_published

log = logging.getLogger("monitor.health")

Dispatcher = Callable[
    [list[CheckResult], AlertsConfig, sqlite3.Connection, datetime], DispatchReport
]


def evaluate(check: CheckConfig, ctx: CheckContext) -> list[CheckResult]:
    """One check's results; a check that cannot run reports one ERROR result instead."""
    try:
        observations = check.check_kind.evaluate(ctx, check.options)
    except Exception as exc:  # a broken check must not hide the others' results
        log.warning(
            "check %s could not run: %s", check.name, exc, exc_info=log.isEnabledFor(logging.DEBUG)
        )
        return [
            CheckResult(
                check=check.name,
                subject=check.name,
                system=None,
                status=Status.ERROR,
                severity=check.severity,
                value=None,
                threshold=check.thresholds.describe(),
                message=f"the check could not run: {type(exc).__name__}: {exc}",
                observed_at=ctx.now,
                owner=check.owner,
                details={"kind": check.kind, "unit": check.thresholds.unit.name},
            )
        ]
    return [grade(check, obs, ctx.now) for obs in observations]


def run_health(
    systems: Systems,
    paths: WarehousePaths,
    now: datetime,
    only: tuple[str, ...] = (),
    *,
    config: MonitorConfig | None = None,
    dispatcher: Dispatcher | None = dispatch,
) -> list[CheckResult]:
    """Run the `only` checks (default: every enabled one) now, store the results, route alerts
    (`dispatcher`; None: no alerting) and return the results, the router's own
    `alert_delivery` results included. Every check of a system whose last load failed fails
    (monitor/load_gate.py). `now` is the monitoring clock; FileNotFoundError when
    nothing was published yet."""
    config = config or load_monitor_config(None, systems)
    checks = config.select(only)
    try:
        alerts = load_alerts_config(config.alerts, warehouse_dir=paths.root)
    except AlertsConfigError as exc:
        raise MonitorConfigError(f"{config.path}: {exc}") from None
    started = datetime.now(UTC)
    with connect_published(paths) as con:
        ctx = CheckContext(con, now, systems, paths)
        results = [result for check in checks for result in evaluate(check, ctx)]
    results = gate(results, checks, latest(paths))
    state = connect_history(paths)
    try:
        run_id = record_run(
            state, results, checks=[c.name for c in checks], observed_at=now, started_at=started
        )
        if dispatcher is not None:
            delivery = dispatcher(results, alerts, state, now).results
            append_results(state, run_id, delivery)
            results = results + delivery
    finally:
        state.close()
    return results


def exit_code(results: list[CheckResult]) -> int:
    """0 when everything passes, 1 when the worst failure is Low or Medium, 2 when any High or
    Critical one fails."""
    failing = [r.severity or Severity.LOW for r in results if not r.passing]
    if not failing:
        return 0
    return 2 if max(failing) >= Severity.HIGH else 1


STATUS_STYLE = {
    Status.PASS: "green",
    Status.WARN: "yellow",
    Status.FAIL: "red",
    Status.ERROR: "magenta",
}


def health_table(results: list[CheckResult], paths: WarehousePaths) -> Table:
    """check, system, status, value, threshold, since (when the status last changed)."""
    state = connect_history(paths)
    try:
        since = status_since(state, results)
    finally:
        state.close()
    table = Table(title="Health checks")
    for column in (
        "check",
        "subject",
        "system",
        "status",
        "value",
        "threshold",
        "since",
        "message",
    ):
        table.add_column(column, no_wrap=column not in ("threshold", "message"), overflow="fold")
    for r in sorted(results, key=lambda r: (r.passing, -(r.severity or 0), r.check, r.subject)):
        unit = UNITS.get(r.details.get("unit", ""))
        value = "-" if r.value is None else unit.format(r.value) if unit else f"{r.value:g}"
        status = r.status.value + (f" ({r.severity.name.lower()})" if r.severity else "")
        moment = since.get(r.alert_key)
        table.add_row(
            r.check,
            r.subject,
            r.system or "-",
            f"[{STATUS_STYLE[r.status]}]{status}[/]",
            value,
            r.threshold,
            f"{moment:%Y-%m-%d %H:%M}" if moment else "-",
            r.message,
        )
    return table
