"""The load's DuckDB connection runs with the memory settings the runner asks for."""

from __future__ import annotations

from pathlib import Path

from pipelines.runner import make_pipeline
from warehouse.location import WarehousePaths


def test_the_load_connection_caps_memory_and_does_not_preserve_insertion_order(
    tmp_path: Path,
) -> None:
    pipeline = make_pipeline(WarehousePaths(tmp_path / "warehouse").ensure(), "hubspot")
    with pipeline.sql_client() as client:
        rows = client.execute_sql(
            "select current_setting('memory_limit'), current_setting('preserve_insertion_order')"
        )
    ((memory_limit, preserve_order),) = rows
    assert memory_limit == "488.2 MiB"  # DuckDB reports 512 MB in MiB
    assert preserve_order is False
