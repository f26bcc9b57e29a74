"""`roundtrip transform`: `dbt build` on the working warehouse under the writer lock, then publish
the read-only copy — only when the build succeeded."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from connectors.registry import vendor
from roundtrip.errors import UserError
from roundtrip.settings import Settings
from warehouse.location import WarehousePaths
from warehouse.lock import writer_lock
from warehouse.publish import publish

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
# dbt's artifacts of the last build (run_results.json: what the health checks read) and of the
# docs, kept apart so `roundtrip docs` never hides the last build's test results
BUILD_TARGET, DOCS_TARGET = "dbt_target", "dbt_docs_target"


@dataclass(frozen=True)
class TransformResult:
    ok: bool
    published: bool
    failures: list[str]


def dbt_vars(settings: Settings) -> dict[str, bool | int]:
    """Per system: `<system>_enabled` from the settings, and the hours after which its dbt source
    freshness warns (what its vendor descriptor allows) and errors (that plus the freshness
    check's default `critical`, as `roundtrip health` judges it). dbt wants whole hours."""
    from monitor.checks.freshness import KIND
    from monitor.checks.units import HOURS

    critical_hours = HOURS.parse(KIND.critical)
    values: dict[str, bool | int] = {}
    for system in settings.systems.values():
        allowed = vendor(system.name).freshness_hours
        values[f"{system.name}_enabled"] = system.enabled
        values[f"{system.name}_freshness_warn_hours"] = math.ceil(allowed)
        values[f"{system.name}_freshness_error_hours"] = math.ceil(allowed + critical_hours)
    return values


def dbt_environment(paths: WarehousePaths, target: str = BUILD_TARGET) -> dict[str, str]:
    """Where dbt reads and writes: the working file, and target/logs inside the warehouse."""
    return {
        "ROUNDTRIP_DBT_DATABASE": str(paths.working),
        "DBT_TARGET_PATH": str(paths.work_dir / target),
        "DBT_LOG_PATH": str(paths.work_dir / "dbt_logs"),
    }


def run_dbt(
    args: list[str], settings: Settings, paths: WarehousePaths, target: str = BUILD_TARGET
) -> tuple[bool, list[str]]:
    """Run one dbt command in-process against the working file, writing dbt's artifacts to
    `<warehouse>/work/<target>`; return (success, failures)."""
    import json

    from dbt.cli.main import dbtRunner

    os.environ.update(dbt_environment(paths, target))
    result = dbtRunner().invoke(
        [
            *args,
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(DBT_PROJECT),
            "--vars",
            json.dumps(dbt_vars(settings)),
        ]
    )
    failures = []
    for node in getattr(result.result, "results", None) or []:
        if str(node.status).lower() in ("error", "fail"):
            failures.append(f"{node.node.unique_id}: {node.message}")
    if result.exception is not None:
        failures.append(str(result.exception))
    return result.success, failures


def run_transform(
    settings: Settings, *, echo: Callable[[str], None], lock_timeout: float = 3600.0
) -> TransformResult:
    paths = WarehousePaths(settings.warehouse_dir)
    if not paths.working.exists():
        raise UserError(f"no working warehouse at {paths.working}; run `roundtrip load` first")
    with writer_lock(paths.lock_file, "roundtrip transform", timeout=lock_timeout, on_wait=echo):
        ok, failures = run_dbt(["build"], settings, paths)
        if ok:
            publish(paths)
    return TransformResult(ok, ok, failures)
