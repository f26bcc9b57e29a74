"""Verify before publish: a damaged or shrunken working file never replaces the published copy;
the previous published copy is kept and `restore` puts it back."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from warehouse.location import WarehousePaths
from warehouse.publish import NotPublished, PublishRefused, connect_published, publish, restore
from warehouse.verify import WarehouseDamaged

HEADER_BYTES, BLOCK_BYTES = 3 * 4096, 262_144  # DuckDB's file header, its default block size


def _build(paths: WarehousePaths, version: int, *, marts: bool = True) -> None:
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


def _version(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select max(version) from raw_ga4.sessions").fetchone()[0]


def _corrupt_a_data_block(path: Path) -> None:
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
    paths = WarehousePaths(tmp_path).ensure()
    _build(paths, 1)
    publish(paths)
    return paths


def test_a_corrupt_block_keeps_the_previous_published_warehouse(paths: WarehousePaths) -> None:
    published = paths.published.read_bytes()
    _build(paths, 2)
    _corrupt_a_data_block(paths.working)
    with pytest.raises(PublishRefused, match=r"is damaged .*raw_ga4\.sessions.*roundtrip restore"):
        publish(paths)
    assert paths.published.read_bytes() == published
    assert _version(paths.published) == 1
    assert list(paths.root.glob(".*.tmp")) == []


def test_publish_keeps_the_previous_copy_and_restore_puts_it_back(paths: WarehousePaths) -> None:
    _build(paths, 2)
    publish(paths)
    assert (_version(paths.published), _version(paths.previous)) == (2, 1)
    _corrupt_a_data_block(paths.working)
    restore(paths, previous=True)
    assert (_version(paths.published), _version(paths.working), _version(paths.previous)) == (
        1,
        1,
        2,
    )
    _build(paths, 3)  # the restored working file is writable and publishes again
    publish(paths)
    assert (_version(paths.published), _version(paths.previous)) == (3, 1)


def test_a_working_file_that_lost_its_marts_is_not_published(paths: WarehousePaths) -> None:
    paths.working.unlink()
    _build(paths, 2, marts=False)
    with pytest.raises(PublishRefused, match=r"lacks marts that the published warehouse"):
        publish(paths)
    assert _version(paths.published) == 1
    publish(paths, allow_loss=True)  # --full-refresh: the user asked for it
    assert _version(paths.published) == 2


def test_a_lost_marts_table_is_named(paths: WarehousePaths) -> None:
    with duckdb.connect(str(paths.working)) as con:
        con.execute("create table marts.campaigns as select 1 as x")
    publish(paths)
    with duckdb.connect(str(paths.working)) as con:
        con.execute("drop table marts.campaigns")
    with pytest.raises(PublishRefused, match=r"lacks marts\.campaigns"):
        publish(paths)


def test_leftovers_of_a_killed_publish_are_removed(paths: WarehousePaths) -> None:
    leftover = paths.root / ".roundtrip.duckdb.4242.publish.tmp"
    leftover.write_bytes(b"half a copy")
    publish(paths)
    assert not leftover.exists()


def test_restore_copies_the_published_warehouse_into_a_damaged_working_file(
    paths: WarehousePaths,
) -> None:
    _build(paths, 2)
    _corrupt_a_data_block(paths.working)
    assert restore(paths) == paths.published
    assert _version(paths.working) == 1
    publish(paths)  # sound again


def test_restore_without_a_copy_says_so(tmp_path: Path) -> None:
    paths = WarehousePaths(tmp_path).ensure()
    with pytest.raises(NotPublished, match=r"nothing to restore: no published warehouse at"):
        restore(paths)
    with pytest.raises(NotPublished, match=r"nothing to restore: no previous published warehouse"):
        restore(paths, previous=True)


@pytest.mark.parametrize("damage", [b"", b"not a database"])
def test_a_damaged_published_file_is_one_clear_error(paths: WarehousePaths, damage: bytes) -> None:
    os.chmod(paths.published, 0o644)
    paths.published.write_bytes(damage)
    with pytest.raises(WarehouseDamaged, match=r"cannot be opened .*roundtrip restore"):
        connect_published(paths)
