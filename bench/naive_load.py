"""The naive baseline for the load benchmark: the same dlt sources over the same HTTP, but pages
go to dlt as lists of dict rows through its default loader (insert_values on DuckDB) instead of
typed Arrow tables. Run as `python -m bench.naive_load` with the ROUNDTRIP_* environment.

It covers the CRM and MAP systems (HubSpot, Salesforce): they hold nearly all the records, and
their cursors are timestamps dlt can compare on untyped rows (the ad sources' date cursors need
typed values)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pipelines.arrow_pages import PageConverter
from pipelines.context import LoadContext
from pipelines.runner import make_pipeline, source_builder
from roundtrip.clock import now
from roundtrip.endpoints import open_endpoints
from roundtrip.settings import load_settings
from warehouse.location import WarehousePaths

SYSTEMS = ("hubspot", "salesforce")


class DictRowsContext(LoadContext):
    """Yields each page as it came (flattened dict rows); no Arrow, no batching."""

    def stream(  # type: ignore[override]
        self,
        converter: PageConverter,
        pages: Iterable[list[Any]],
        **_: Any,
    ) -> Iterator[list[dict]]:
        for page in pages:
            yield [row for row in page if isinstance(row, dict)]


def main() -> None:
    settings = load_settings()
    paths = WarehousePaths(settings.warehouse_dir).ensure()
    with open_endpoints(settings, list(SYSTEMS)) as endpoints:
        for endpoint in endpoints:
            ctx = DictRowsContext(endpoint.system, now(settings))
            source = source_builder(endpoint.system)(endpoint, ctx)
            make_pipeline(paths, endpoint.system).run(source).raise_on_failed_jobs()


if __name__ == "__main__":
    main()
