"""What a source needs from the runner: where the vendor is, what time it is, where to count.

A resource states its table once, as the vendor's `Table` (connectors/vendor.py), and takes the
rest from it: `@ctx.resource(table)` (or `@ctx.transformer(table, data_from=parent)`) is dlt's
decorator with the table's name, primary key and write disposition; `ctx.converter(table,
columns)` converts its pages under its name and key; `ctx.stream(converter, pages)` counts them
under the converter's name; `timestamp_cursor(ctx, table)` (here) and `daily_cursor(ctx, table)`
(pipelines/ad_metrics.py) are its `dlt.sources.incremental` on `table.cursor`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import dlt
import pyarrow as pa

from connectors.client import Endpoint
from connectors.http.deprecation import VersionSignal
from connectors.http.transport import RequestStats, charged_to
from connectors.vendor import Table
from pipelines.arrow_pages import PageConverter, Reject, batched_tables
from pipelines.read_ahead import read_ahead
from pipelines.run_log import ResourceStats

C = TypeVar("C")

# The resource whose requests this context (thread) sends: see `LoadContext.reading`.
_resource_reading: ContextVar[str | None] = ContextVar("resource_reading", default=None)

# Days of ad metrics re-read on every incremental load, because platforms restate recent days.
DEFAULT_AD_LAG_DAYS = 7
# Seconds of overlap when following a modified-timestamp cursor (records reach search late).
DEFAULT_CURSOR_OVERLAP_SECONDS = 300


@dataclass
class LoadContext:
    """Per-system run context handed to a source."""

    system: str
    now: datetime
    ad_lag_days: int = DEFAULT_AD_LAG_DAYS
    cursor_overlap_seconds: int = DEFAULT_CURSOR_OVERLAP_SECONDS
    on_progress: Callable[[str, ResourceStats, float, bool], None] | None = None
    stats: dict[str, ResourceStats] = field(default_factory=dict)
    request_tallies: dict[str, RequestStats] = field(default_factory=dict)  # per resource
    step_seconds: dict[str, float] = field(default_factory=dict)  # extract / normalize / load
    # what the vendor said about the API version spoken: (version, signal), recorded by the run
    version_signals: list[tuple[str, VersionSignal]] = field(default_factory=list)

    def quarantine_page(self, request: str, body: str) -> None:
        """Keep a malformed page (it is re-requested by the transport) as a reject of the
        resource being read."""
        resource = _resource_reading.get() or "(unknown)"
        self.resource_stats(resource).rejects.append(
            Reject(resource, f"malformed page (not valid JSON) from {request}", body, None)
        )

    def client(self, client_class: type[C], endpoint: Endpoint) -> C:
        """A vendor client for `endpoint` whose malformed pages are quarantined as rejects and
        whose vendor's word on the API version (deprecated, sunset, refused) is recorded."""
        client = client_class.from_endpoint(  # type: ignore[attr-defined]
            endpoint, server_paced=endpoint.mode == "sandbox"
        )
        transport = client.transport
        transport.on_malformed = self.quarantine_page
        version = transport.api_version
        transport.on_version_signal = lambda s: self.version_signals.append((version, s))
        return client

    def resource_stats(self, resource: str) -> ResourceStats:
        return self.stats.setdefault(resource, ResourceStats(resource))

    @contextmanager
    def reading(self, resource: str) -> Iterator[None]:
        """Charge the requests sent in this block, in this thread, to `resource`: its request
        and retry counts, and any malformed page. (Resources interleave: a dlt transformer runs
        between its parent's pages, each reading ahead in its own thread.)"""
        token = _resource_reading.set(resource)
        try:
            with charged_to(self.request_tallies.setdefault(resource, RequestStats())):
                yield
        finally:
            _resource_reading.reset(token)
            self._count_requests(resource)

    def _count_requests(self, resource: str) -> None:
        tally = self.request_tallies.get(resource)
        if tally is not None:
            stats = self.resource_stats(resource)
            stats.requests, stats.retries = tally.requests, tally.retries

    def resource(self, table: Table, **dlt_kwargs: Any) -> Any:
        """`@dlt.resource` for `table`: its name, primary key and write disposition."""
        return dlt.resource(**_hints(table), **dlt_kwargs)

    def transformer(self, table: Table, **dlt_kwargs: Any) -> Any:
        """`@dlt.transformer` for `table` (pass `data_from`): its name, key and disposition."""
        return dlt.transformer(**_hints(table), **dlt_kwargs)

    def converter(self, table: Table, columns: Mapping[str, pa.DataType]) -> PageConverter:
        """Converts pages of `table` (keyed on `table.key`), counting rejects and drift."""
        stats = self.resource_stats(table.name)
        return PageConverter(
            table.name,
            dict(columns),
            table.key,
            on_reject=stats.rejects.append,
            on_drift=stats.drift.append,
        )

    def stream(
        self,
        converter: PageConverter,
        pages: Iterable[list[Any]],
        *,
        deleted: Callable[[pa.Table], int] | None = None,
        batch_rows: int = 20_000,
    ) -> Iterator[pa.Table]:
        """Convert `pages` of raw records into batched Arrow tables while counting everything.

        Pages are read ahead in a background thread while the current one is converted; the
        requests that thread sends are charged to the converter's resource.
        """
        resource = converter.resource
        stats = self.resource_stats(resource)
        started = time.monotonic() - stats.seconds

        def converted() -> Iterator[pa.Table | None]:
            name = f"{self.system}.{resource} pages"
            for page in read_ahead(pages, name=name, within=lambda: self.reading(resource)):
                table = converter.convert(page)
                stats.pages += 1
                stats.records += 0 if table is None else table.num_rows
                if table is not None and deleted is not None:
                    stats.deleted += deleted(table)
                self._count_requests(resource)
                if self.on_progress is not None:
                    self.on_progress(self.system, stats, started, False)
                yield table
            self._count_requests(resource)  # the last request may have brought no page

        yield from batched_tables(converted(), batch_rows)
        stats.seconds = time.monotonic() - started
        if self.on_progress is not None:
            self.on_progress(self.system, stats, started, True)


def _hints(table: Table) -> dict[str, Any]:
    return {
        "name": table.name,
        "primary_key": table.primary_key,
        "write_disposition": table.disposition,
    }


def followed_cursor(table: Table) -> str:
    """`table.cursor`, which an incremental resource must have."""
    if table.cursor is None:
        raise ValueError(f"table {table.name!r} has no cursor to load incrementally on")
    return table.cursor


def timestamp_cursor(ctx: LoadContext, table: Table) -> Any:
    """An incremental on `table.cursor` (a timestamp) that steps back
    `ctx.cursor_overlap_seconds` on every load (dlt's `lag`), since records reach the vendor's
    search late. A resource's default argument (ruff knows it as immutable: pyproject.toml)."""
    return dlt.sources.incremental(
        followed_cursor(table), initial_value=None, lag=ctx.cursor_overlap_seconds
    )
