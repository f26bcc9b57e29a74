"""Holding the working file: threads of one run open and close it without a file-handle conflict."""

from concurrent.futures import ThreadPoolExecutor

import duckdb

from warehouse.location import WarehousePaths
from warehouse.working import hold_working_file

THREADS = 4
OPENS_PER_THREAD = 2_000


def _open_and_close_from_threads(path: str) -> list[str]:
    """Open and close `path` the way dlt's loader and our own bookkeeping do, from 4 threads."""

    def open_and_close() -> list[str]:
        errors = []
        for _ in range(OPENS_PER_THREAD):
            try:
                with duckdb.connect(path) as con:
                    con.execute("select 1").fetchall()
            except duckdb.Error as exc:
                errors.append(str(exc))
        return errors

    with ThreadPoolExecutor(THREADS) as pool:
        runs = [pool.submit(open_and_close) for _ in range(THREADS)]
        return [error for run in runs for error in run.result()]


def test_threads_opening_the_held_working_file_never_conflict(tmp_path) -> None:
    paths = WarehousePaths(tmp_path / "warehouse").ensure()
    with hold_working_file(paths) as working:
        working.execute("create table t as select 1 as v")
        errors = _open_and_close_from_threads(str(paths.working))
        with working.cursor() as con:
            assert con.execute("select v from t").fetchall() == [(1,)]
    assert errors == []
