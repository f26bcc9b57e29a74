"""One DuckDB instance of the working file for a whole writer run, shared by its threads.

DuckDB (>= 1.4) keeps one list of open database files per process. When one thread closes the
last connection to the working file (so its instance shuts down) while another thread opens the
file, the new instance's attach fails with "Unique file handle conflict". A run that opens the
file from several threads (the load runner: extraction in the main thread, dlt loading in the
loader thread) therefore holds it open from start to end: every later `duckdb.connect` of the same
path in this process, dlt's included, reuses that live instance instead of creating one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from warehouse.location import WarehousePaths


@contextmanager
def hold_working_file(paths: WarehousePaths) -> Iterator[duckdb.DuckDBPyConnection]:
    """Keep the working file open for the block; threads take their own `cursor()` of it."""
    with duckdb.connect(str(paths.working)) as con:
        yield con
