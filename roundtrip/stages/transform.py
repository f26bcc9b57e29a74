"""`roundtrip transform`: `dbt build` on the working warehouse under the writer lock, then publish
the read-only copy — only when the build succeeded. Only what changed since the last successful
build is built (see `transform_plan`); nothing at all when nothing changed. A failed build runs
the `dbt_tests` health checks at once, so the failing models and tests are alerted through the
usual routes."""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from connectors.registry import vendor
from monitor.checks.dbt_tests import KIND as DBT_TESTS
from roundtrip.clock import now
from roundtrip.errors import UserError
from roundtrip.settings import Settings
from roundtrip.stages.health import alert_now
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
    summary: str = ""
    log_file: Path | None = None
    plan: str = ""


def build_summary(results: list, seconds: float) -> str:
    """One line from dbt's node results: models, tests, warnings, failures, seconds."""
    kinds: dict[str, int] = {}
    warnings = failures = 0
    for node in results:
        kind = str(getattr(node.node.resource_type, "value", node.node.resource_type))
        kinds[kind] = kinds.get(kind, 0) + 1
        status = str(node.status).lower()
        warnings += status.endswith("warn")
        failures += status.endswith(("error", "fail"))
    counted = ", ".join(
        f"{kinds.get(k, 0)} {k}s" for k in ("model", "test", "seed") if kinds.get(k)
    )
    return f"{counted}; {warnings} warnings, {failures} failures; {seconds:.1f} s"


def dbt_vars(settings: Settings) -> dict[str, object]:
    """Per system: `<system>_enabled` from the settings, and the hours after which its dbt source
    freshness warns (what its vendor descriptor allows) and errors (that plus the freshness
    check's default `critical`, as `roundtrip health` judges it). dbt wants whole hours.
    For `marts.system_freshness`: `as_of_columns` (system → its tables' "as of" columns, from
    the vendor descriptors, as the freshness check reads them) and `data_clock` (now on the
    sandbox's clock when every system is a sandbox stand-in; else the mart uses the database's
    current time, which is the monitoring clock then)."""
    from monitor.checks.freshness import KIND
    from monitor.checks.units import HOURS

    critical_hours = HOURS.parse(KIND.critical)
    values: dict[str, object] = {}
    as_of: dict[str, dict[str, str]] = {}
    for system in settings.systems.values():
        described = vendor(system.name)
        allowed = described.freshness_hours
        values[f"{system.name}_enabled"] = system.enabled
        values[f"{system.name}_freshness_warn_hours"] = math.ceil(allowed)
        values[f"{system.name}_freshness_error_hours"] = math.ceil(allowed + critical_hours)
        as_of[system.name] = {t.name: t.as_of for t in described.tables if t.as_of}
    values["as_of_columns"] = as_of
    # only on the sandbox's clock: the wall clock is the build's own (current_timestamp), and a
    # var that changes on every run would cost dbt its partial parse; no world: the build's clock
    if settings.all_sandbox:
        with contextlib.suppress(UserError):
            values["data_clock"] = now(settings).isoformat()
    return values


def dbt_environment(paths: WarehousePaths, target: str = BUILD_TARGET) -> dict[str, str]:
    """Where dbt reads and writes: the working file, and target/logs inside the warehouse."""
    return {
        "ROUNDTRIP_DBT_DATABASE": str(paths.working),
        "DBT_TARGET_PATH": str(paths.work_dir / target),
        "DBT_LOG_PATH": str(paths.work_dir / "dbt_logs"),
    }


def dbt_log_file(paths: WarehousePaths) -> Path:
    """dbt's full log of every run (debug level), kept under the warehouse's work folder."""
    return paths.work_dir / "dbt_logs" / "dbt.log"


@dataclass(frozen=True)
class DbtRun:
    ok: bool
    failures: list[str]
    summary: str


def invoke_dbt(
    args: list[str],
    settings: Settings,
    paths: WarehousePaths,
    target: str = BUILD_TARGET,
    *,
    verbose: bool = False,
) -> DbtRun:
    """Run one dbt command in-process against the working file, writing dbt's artifacts to
    `<warehouse>/work/<target>` and its full log to `dbt_log_file`. dbt prints its own lines
    only when `verbose`, in colour only on a terminal."""
    import json
    import sys
    import time

    from dbt.cli.main import dbtRunner

    os.environ.update(dbt_environment(paths, target))
    started = time.perf_counter()
    result = dbtRunner().invoke(
        [
            *args,
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(DBT_PROJECT),
            "--vars",
            json.dumps(dbt_vars(settings)),
            "--log-level",
            "info" if verbose else "none",
            "--log-level-file",
            "debug",
            "--use-colors" if sys.stdout.isatty() else "--no-use-colors",
            "--no-use-colors-file",
        ]
    )
    nodes = list(getattr(result.result, "results", None) or [])
    failures = [
        f"{node.node.unique_id}: {node.message}"
        for node in nodes
        if str(node.status).lower() in ("error", "fail")
    ]
    if result.exception is not None:
        failures.append(str(result.exception))
    return DbtRun(result.success, failures, build_summary(nodes, time.perf_counter() - started))


def run_dbt(
    args: list[str], settings: Settings, paths: WarehousePaths, target: str = BUILD_TARGET
) -> tuple[bool, list[str]]:
    """`invoke_dbt` without its summary: (success, failures)."""
    run = invoke_dbt(args, settings, paths, target)
    return run.ok, run.failures


def run_transform(
    settings: Settings,
    *,
    echo: Callable[[str], None],
    lock_timeout: float = 3600.0,
    verbose: bool = False,
    full: bool = False,
) -> TransformResult:
    """Build what changed since the last successful build (everything when `full`), carry the
    other nodes' test results forward, publish on success."""
    from roundtrip.stages.dbt_results import carry_forward, read_results
    from roundtrip.stages.transform_plan import (
        MANIFEST_DIR,
        BuildPlan,
        fingerprint,
        last_build,
        plan,
        remember_build,
    )

    paths = WarehousePaths(settings.warehouse_dir)
    if not paths.working.exists():
        raise UserError(f"no working warehouse at {paths.working}; run `roundtrip load` first")
    target = paths.work_dir / BUILD_TARGET
    with writer_lock(paths.lock_file, "roundtrip transform", timeout=lock_timeout, on_wait=echo):
        current = fingerprint(paths, DBT_PROJECT, dbt_vars(settings))
        build = (
            BuildPlan(None, "full build: asked for with --full")
            if full
            else plan(paths, last_build(paths), current)
        )
        if build.skip:  # still published: it mirrors the state written since (sync, checks)
            publish(paths)
            return TransformResult(True, True, [], "nothing built", None, build.reason)
        previous = read_results(target) if build.select else None
        selection = (
            ["--select", *build.select, "--state", str(paths.work_dir / MANIFEST_DIR)]
            if build.select
            else []
        )
        rebuild = ["--full-refresh"] if full else []  # incremental models too, from scratch
        run = invoke_dbt(["build", *rebuild, *selection], settings, paths, verbose=verbose)
        carried = carry_forward(target, previous)
        summary = run.summary + (f"; {carried} earlier results carried forward" if carried else "")
        if run.ok:
            publish(paths)
            remember_build(paths, current, target)
    if not run.ok:  # the published warehouse stays as it was: say why through the alert routes
        alert_now(settings, DBT_TESTS.name, "the failed dbt build")
    return TransformResult(run.ok, run.ok, run.failures, summary, dbt_log_file(paths), build.reason)
