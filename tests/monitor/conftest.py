"""Fixtures shared by the monitor tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from monitor.checks.base import CheckContext
from monitor.config import parse_checks
from monitor.health import evaluate
from monitor.results import CheckResult
from monitor.systems import MonitoredSystem
from pipelines.run_log import ensure_tables, write_meta
from roundtrip.settings import SYSTEMS, Settings, SystemSettings
from roundtrip.stages.health import watched_systems
from tests.monitor.receivers import pagerduty, slack, smtp, ticket_hook  # noqa: F401
from warehouse.location import WarehousePaths


@dataclass
class MiniWarehouse:
    """A small published warehouse built by a test: the loads' `monitor` tables plus whatever
    raw tables the test creates, evaluated with one check configured from YAML."""

    paths: WarehousePaths

    def sql(self, query: str, params: list[Any] | None = None) -> None:
        with duckdb.connect(str(self.paths.published)) as con:
            con.execute(query, params or [])

    def load_run(
        self,
        run_id: str,
        system: str,
        started: datetime,
        resources: Mapping[str, tuple[int, int, int]],  # resource → (records, new, rejects)
        *,
        status: str = "succeeded",
        mode: str = "real",
        full_refresh: bool = False,
        seconds: float = 60.0,
    ) -> None:
        """One system's run, as pipelines/run_log.py records it."""
        with duckdb.connect(str(self.paths.published)) as con:
            con.execute(
                "insert into monitor.load_runs (run_id, system, mode, started_at, finished_at, "
                "status, full_refresh) values (?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    system,
                    mode,
                    started,
                    started + timedelta(seconds=seconds),
                    status,
                    full_refresh,
                ],
            )
            for resource, (records, new, rejects) in resources.items():
                con.execute(
                    "insert into monitor.load_resource_runs values "
                    "(?, ?, ?, ?, ?, ?, 0, 1, 1, 0, ?, 1.0)",
                    [run_id, system, resource, records, new, records - new, rejects],
                )

    def meta(self, values: dict[str, str]) -> None:
        with duckdb.connect(str(self.paths.published)) as con:
            write_meta(con, values)

    def evaluate(
        self, check_yaml: str, now: datetime, disabled: tuple[str, ...] = ()
    ) -> list[CheckResult]:
        """Run the one check described by `check_yaml` against this warehouse at `now`."""
        systems = watched(self.paths.root, disabled)
        (check,) = parse_checks(yaml.safe_load(check_yaml), "test", systems)
        with duckdb.connect(str(self.paths.published), read_only=True) as con:
            return evaluate(check, CheckContext(con, now, systems, self.paths))


def watched(root: Path, disabled: tuple[str, ...] = ()) -> dict[str, MonitoredSystem]:
    """Every system in real mode as the checks see it, those in `disabled` switched off."""
    settings = Settings(
        project_dir=root,
        warehouse_dir=root,
        sandbox_dir=root / "sandbox",
        systems={s: SystemSettings(s, s not in disabled, "real", "real") for s in SYSTEMS},
    )
    return watched_systems(settings)


@pytest.fixture
def mini(tmp_path: Path) -> MiniWarehouse:
    paths = WarehousePaths(tmp_path / "warehouse").ensure()
    with duckdb.connect(str(paths.published)) as con:
        ensure_tables(con)
    return MiniWarehouse(paths)
