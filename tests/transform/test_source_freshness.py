"""Every raw row carries the load that brought it, so dbt's source freshness works."""

from __future__ import annotations

import pytest

from roundtrip.settings import load_settings
from roundtrip.stages.transform import run_dbt
from tests.conftest import Project
from warehouse.location import WarehousePaths

pytestmark = pytest.mark.slow


def test_dbt_source_freshness_passes_after_a_load(
    transformed: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in transformed.env.items():
        monkeypatch.setenv(key, value)
    for key in ("ROUNDTRIP_DBT_DATABASE", "DBT_TARGET_PATH", "DBT_LOG_PATH"):
        monkeypatch.setenv(key, "")  # run_dbt sets them; restored after the test
    settings = load_settings(transformed.root)
    ok, failures = run_dbt(
        ["source", "freshness"], settings, WarehousePaths(settings.warehouse_dir), "freshness"
    )
    assert ok, failures
