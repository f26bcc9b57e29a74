"""The raw merge keeps one row per primary key, numbering only the keys staged more than once."""

from __future__ import annotations

from pathlib import Path

import dlt
import pyarrow as pa

from pipelines.runner import make_pipeline
from warehouse.location import WarehousePaths


def _events(ids: list[int], version: str) -> pa.Table:
    return pa.table(
        {
            "id": pa.array([str(i) for i in ids]),
            "day": pa.array([i % 3 for i in ids], pa.int64()),
            "version": pa.array([version] * len(ids)),
        }
    )


def _load(pipeline: dlt.Pipeline, *tables: pa.Table) -> None:
    @dlt.resource(name="events", primary_key="id", write_disposition="merge")
    def events():
        yield from tables

    @dlt.resource(name="daily", primary_key=("id", "day"), write_disposition="merge")
    def daily():
        yield from tables

    pipeline.run([events(), daily()]).raise_on_failed_jobs()


def _rows(pipeline: dlt.Pipeline, table: str) -> list[tuple]:
    with pipeline.sql_client() as client:
        return client.execute_sql(f"select id, day, version from {table} order by id::int")


def test_keys_staged_twice_merge_to_one_row_and_the_rest_are_inserted_as_they_are(
    tmp_path: Path,
) -> None:
    pipeline = make_pipeline(WarehousePaths(tmp_path / "warehouse").ensure(), "test")
    # ids 5 and 7 are staged twice in one load (a record updated while its pages were read)
    _load(pipeline, _events(list(range(1, 11)), "first"), _events([5, 7], "second"))

    for table in ("events", "daily"):
        rows = _rows(pipeline, table)
        assert [r[0] for r in rows] == [str(i) for i in range(1, 11)], table
        assert {r[2] for r in rows if r[0] not in ("5", "7")} == {"first"}

    # the merge SQL dlt ran finds the duplicated keys first instead of numbering every row
    (package,) = pipeline.list_completed_load_packages()
    merge_sql = "\n".join(
        Path(job.file_path).read_text()
        for job in pipeline.get_load_package_info(package).jobs["completed_jobs"]
        if job.file_path.endswith(".sql")
    )
    assert merge_sql.count("ANTI JOIN _dlt_dup_keys") == 2

    # a later load replaces the rows of the keys it brings and keeps the others
    _load(pipeline, _events([2, 5, 11], "third"))
    rows = {r[0]: r[2] for r in _rows(pipeline, "events")}
    assert len(rows) == 11
    assert rows["2"] == rows["5"] == rows["11"] == "third"
    assert rows["1"] == "first"
