"""Verify before publish: a damaged or shrunken working file never replaces the published copy;
the previous published copy is kept and `restore` puts it back."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.conftest import build_working, corrupt_a_data_block
from warehouse.location import WarehousePaths
from warehouse.publish import NotPublished, PublishRefused, connect_published, publish, restore
from warehouse.verify import WarehouseDamaged


def _version(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select max(version) from raw_ga4.sessions").fetchone()[0]


def test_a_corrupt_block_keeps_the_previous_published_warehouse(paths: WarehousePaths) -> None:
    published = paths.published.read_bytes()
    build_working(paths, 2)
    corrupt_a_data_block(paths.working)
    with pytest.raises(PublishRefused, match=r"is damaged .*raw_ga4\.sessions.*roundtrip restore"):
        publish(paths)
    assert paths.published.read_bytes() == published
    assert _version(paths.published) == 1
    assert list(paths.root.glob(".*.tmp")) == []


def test_publish_keeps_the_previous_copy_and_restore_puts_it_back(paths: WarehousePaths) -> None:
    build_working(paths, 2)
    publish(paths)
    assert (_version(paths.published), _version(paths.previous)) == (2, 1)
    corrupt_a_data_block(paths.working)
    restore(paths, previous=True)
    assert (_version(paths.published), _version(paths.working), _version(paths.previous)) == (
        1,
        1,
        2,
    )
    build_working(paths, 3)  # the restored working file is writable and publishes again
    publish(paths)
    assert (_version(paths.published), _version(paths.previous)) == (3, 1)


def test_a_working_file_that_lost_its_marts_is_not_published(paths: WarehousePaths) -> None:
    paths.working.unlink()
    build_working(paths, 2, marts=False)
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
    build_working(paths, 2)
    corrupt_a_data_block(paths.working)
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
