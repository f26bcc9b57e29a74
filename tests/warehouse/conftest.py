"""A working warehouse of 300 k rows to publish, and a way to damage one of its data blocks."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from warehouse.location import WarehousePaths
from warehouse.publish import publish

HEADER_BYTES, BLOCK_BYTES = 3 * 4096, 262_144  # DuckDB's file header, its default block size


def build_working(paths: WarehousePaths, version: int, *, marts: bool = True) -> None:
    with duckdb.connect(str(paths.working)) as con:
        con.execute("create schema if not exists raw_ga4")
        con.execute(
            "create or replace table raw_ga4.sessions as "
            "select i, md5(i::varchar) as s, ? as version from range(300000) r(i)",
            [version],
        )
        if marts:
            con.execute("create schema if not exists marts")
            con.execute("create or replace table marts.customers as select ? as version", [version])


def corrupt_a_data_block(path: Path) -> None:
    """Overwrite bytes inside one data block of raw_ga4.sessions (its checksum no longer matches)."""
    with duckdb.connect(str(path), read_only=True) as con:
        (block,) = con.execute(
            "select max(block_id) from pragma_storage_info('raw_ga4.sessions') "
            "where column_name = 's' and block_id >= 0"
        ).fetchone()
    with path.open("r+b") as f:
        f.seek(HEADER_BYTES + block * BLOCK_BYTES + 512)
        f.write(os.urandom(256))


@pytest.fixture
def paths(tmp_path: Path) -> WarehousePaths:
    """A warehouse published once (version 1)."""
    paths = WarehousePaths(tmp_path).ensure()
    build_working(paths, 1)
    publish(paths)
    return paths
