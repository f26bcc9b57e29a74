"""The jobs `roundtrip schedule` and `roundtrip serve` run, and the lock that keeps one
scheduler per warehouse (roundtrip/schedule.py runs them)."""

from __future__ import annotations

from pathlib import Path

from monitor.config import load_monitor_config
from pipelines.audit import AUDITED
from reverse.specs import SpecError, load_specs
from reverse.two_way.spec import load_two_way
from roundtrip.errors import UserError
from roundtrip.schedule import Job, build_jobs
from roundtrip.settings import Settings
from roundtrip.stages.health import watched_systems
from roundtrip.stages.sync import specs_path
from warehouse.location import WarehousePaths


def scheduled_jobs(settings: Settings) -> list[Job]:
    """load_transform, the health checks on their own crons, every one-way and two-way sync, and
    the weekly audit against missed updates (then a transform, so the marts see its refetch)."""
    try:
        specs = [*load_specs(specs_path()), *load_two_way(specs_path())]
    except SpecError as exc:
        raise UserError(str(exc)) from None
    checks = load_monitor_config(None, watched_systems(settings)).select()
    jobs = build_jobs(
        settings.schedule,
        [(s.name, s.schedule) for s in specs],
        [(c.name, c.schedule) for c in checks],
    )
    if any(s.name in AUDITED for s in settings.enabled_systems()):
        jobs.append(Job("audit", settings.schedule["audit"], [["audit"], ["transform"]]))
    return jobs


def scheduler_lock(settings: Settings) -> Path:
    return WarehousePaths(settings.warehouse_dir).state_dir / "scheduler.lock"
