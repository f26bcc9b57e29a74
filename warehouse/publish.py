"""Publish the working file as the read-only copy: copy to a temp file, then atomic rename.

Readers that hold the old published file open keep reading it (the rename swaps the directory
entry, not their open file), and every new reader sees a complete, consistent copy.
"""

from __future__ import annotations

import os
import shutil

import duckdb

from warehouse.location import WarehousePaths
from warehouse.state_store import mirror_state

STATE_SCHEMAS = ("reverse", "monitor", "events")


def publish(paths: WarehousePaths) -> None:
    """Mirror the state files in, checkpoint the working file and atomically replace the
    published copy with it."""
    with duckdb.connect(str(paths.working)) as con:
        for schema in STATE_SCHEMAS:
            mirror_state(con, paths.state_file(schema), schema)
        con.execute("CHECKPOINT")
    tmp = paths.published.with_name(f".{paths.published.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(paths.working, tmp)
        os.chmod(tmp, 0o444)
        os.replace(tmp, paths.published)
    finally:
        tmp.unlink(missing_ok=True)


def connect_published(paths: WarehousePaths) -> duckdb.DuckDBPyConnection:
    """Open the published copy read-only (what analysts, health checks and reverse sync use)."""
    if not paths.published.exists():
        raise FileNotFoundError(
            f"no published warehouse at {paths.published}; run `roundtrip load` (or `make load transform`) first"
        )
    return duckdb.connect(str(paths.published), read_only=True)
