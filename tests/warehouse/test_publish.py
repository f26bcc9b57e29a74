"""Publishing: readers of the published file never see an error or a half-written state."""

import subprocess
import sys
from pathlib import Path

import duckdb

from warehouse.location import WarehousePaths
from warehouse.publish import connect_published, publish

READER = """
import sys, duckdb, time
path, rounds = sys.argv[1], int(sys.argv[2])
seen = set()
for _ in range(rounds):
    con = duckdb.connect(path, read_only=True)
    total, version = con.execute("select sum(v), max(version) from t").fetchone()
    # every published state is internally consistent: sum(v) == 1000 * version
    assert total == 1000 * version, (total, version)
    seen.add(version)
    con.close()
print(len(seen))
"""


def _write_version(paths: WarehousePaths, version: int) -> None:
    with duckdb.connect(str(paths.working)) as con:
        con.execute(
            "create or replace table t as select 1 as v, ? as version from range(?)",
            [version, 1000 * version],
        )


def test_reader_holding_the_published_file_keeps_a_consistent_view(tmp_path: Path) -> None:
    paths = WarehousePaths(tmp_path).ensure()
    _write_version(paths, 1)
    publish(paths)
    held = connect_published(paths)
    assert held.execute("select max(version) from t").fetchone() == (1,)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(paths.published), "300"],
        stdout=subprocess.PIPE,
        text=True,
    )
    for version in range(2, 12):
        _write_version(paths, version)
        publish(paths)
    out, _ = reader.communicate(timeout=120)
    assert reader.returncode == 0
    assert int(out) >= 1
    # the connection opened before every publish still reads its own snapshot without error
    assert held.execute("select sum(v), max(version) from t").fetchone() == (1000, 1)
    held.close()
    with connect_published(paths) as fresh:
        assert fresh.execute("select max(version) from t").fetchone() == (11,)


def test_published_file_is_read_only_for_readers(tmp_path: Path) -> None:
    paths = WarehousePaths(tmp_path).ensure()
    _write_version(paths, 1)
    publish(paths)
    with connect_published(paths) as con:
        try:
            con.execute("create table x as select 1")
        except duckdb.Error as exc:
            assert "read-only" in str(exc).lower()
        else:
            raise AssertionError("a reader could write to the published warehouse")
