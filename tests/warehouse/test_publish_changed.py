"""A load publishes reading back only what it wrote: the schemas it names as changed (and the
mirrored state schemas) are verified block by block; the rest is as the last publish left it."""

from __future__ import annotations

import pytest

from tests.warehouse.conftest import build_working, corrupt_a_data_block
from warehouse.location import WarehousePaths
from warehouse.publish import PublishRefused, publish


def test_damage_in_a_schema_the_load_wrote_is_refused(paths: WarehousePaths) -> None:
    build_working(paths, 2)
    corrupt_a_data_block(paths.working)
    with pytest.raises(PublishRefused, match=r"raw_ga4\.sessions"):
        publish(paths, changed=["raw_ga4"])


def test_only_the_schemas_the_load_wrote_are_read_back(paths: WarehousePaths) -> None:
    build_working(paths, 2)
    corrupt_a_data_block(paths.working)  # in raw_ga4, which this load did not write
    publish(paths, changed=["raw_hubspot"])
    # the whole-file check (transform's publish, or the next load of raw_ga4) still finds it
    with pytest.raises(PublishRefused, match=r"raw_ga4\.sessions"):
        publish(paths)
