"""The load runner: one dlt pipeline per system into `raw_<system>`, under the writer lock.

Flow of `run_load`: take the warehouse's writer lock → check the warehouse belongs to this sandbox
world → per system in turn: realign its saved cursors with the data the warehouse holds
(state_check.py), extract and normalize it (dlt load packages in its pipeline folder) while one
loader thread loads the previous system's packages into the working file (DuckDB has
one writer) and records its run in the `monitor` tables → publish the read-only copy when any
system succeeded (a failed system's raw tables stay as its last good load left them).
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import dlt
import duckdb
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.extract.source import DltSource
from rich.console import Console

from connectors.client import Endpoint
from pipelines.arrow_pages import VARIANT_SUFFIX, DriftEvent, without_pandas_probe
from pipelines.context import LoadContext
from pipelines.destination import raw_duckdb
from pipelines.progress import LoadProgress, summary_table
from pipelines.run_log import (
    ResourceStats,
    ensure_tables,
    read_meta,
    record_run_end,
    record_run_start,
    write_meta,
)
from pipelines.state_check import align_state
from warehouse import load_state
from warehouse.api_signals import record_signals
from warehouse.location import WarehousePaths
from warehouse.lock import writer_lock
from warehouse.publish import publish
from warehouse.working import hold_working_file

log = logging.getLogger("pipelines.runner")

# Extract resources one after another (not round-robin): one resource (with its transformers)
# reads at a time, so few pages are in flight and the progress display follows the load.
os.environ.setdefault("EXTRACT__NEXT_ITEM_MODE", "fifo")
# dlt warns about every Arrow table whose nullability differs from its key hints; our own
# progress and summary say what matters.
os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
# dlt buffers up to 5,000 items per table before writing a file; our items are Arrow batches of
# ~20k rows, so a few are plenty and memory stays flat however large the source.
os.environ.setdefault("DATA_WRITER__BUFFER_MAX_ITEMS", "4")
# Arrow tables skip dlt's row normalizer, which is what stamps `_dlt_load_id`; ask for it, so
# every raw row says which load brought it (dbt source freshness reads it as loaded-at).
os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
# DuckDB may take 80 % of RAM for a merge by default; a load spills to disk past this instead.
# Rows of a raw table have no order worth keeping (dlt's merge picks one row per key without
# one), and not preserving it lets DuckDB stream large inserts instead of buffering them.
DUCKDB_SETTINGS = {"memory_limit": "512MB", "preserve_insertion_order": False}

IDENTITY_KEYS = ("sandbox_seed", "sandbox_scale")


class LoadRefused(Exception):
    """The load must not run against this warehouse (the message says why and what to do)."""


@dataclass
class SystemResult:
    system: str
    status: str
    stats: dict[str, ResourceStats] = field(default_factory=dict)
    error: str | None = None
    load_ids: list[str] = field(default_factory=list)  # the dlt packages loaded into the warehouse


@dataclass
class LoadResult:
    run_id: str
    systems: list[SystemResult]
    published: bool

    @property
    def ok(self) -> bool:
        return all(s.status == "succeeded" for s in self.systems)


def source_builder(system: str) -> Callable[[Endpoint, LoadContext], DltSource]:
    """The dlt source of a system: `source` in `pipelines/<system>.py` (connectors/vendor.py)."""
    return importlib.import_module(f"pipelines.{system}").source


def make_pipeline(paths: WarehousePaths, system: str) -> dlt.Pipeline:
    """The dlt pipeline of one system; its working state lives inside the warehouse folder."""
    credentials = DuckDbCredentials(str(paths.working))
    credentials.global_config = dict(DUCKDB_SETTINGS)
    return dlt.pipeline(
        pipeline_name=f"roundtrip_{system}",
        pipelines_dir=str(paths.dlt_dir),
        destination=raw_duckdb(credentials),
        dataset_name=f"raw_{system}",
    )


def check_identity(
    con: duckdb.DuckDBPyConnection, identity: Mapping[str, str], full_refresh: bool
) -> None:
    """Refuse to mix sandbox worlds (or a world that was reset) in one warehouse."""
    stored = read_meta(con)
    if full_refresh or not stored:
        return
    mismatched = [k for k in IDENTITY_KEYS if k in stored and stored[k] != identity.get(k)]
    went_back = (
        "sandbox_now" in stored
        and "sandbox_now" in identity
        and identity["sandbox_now"] < stored["sandbox_now"]
    )
    if mismatched or went_back:
        was = ", ".join(f"{k.removeprefix('sandbox_')}={stored.get(k)}" for k in IDENTITY_KEYS)
        now = ", ".join(f"{k.removeprefix('sandbox_')}={identity.get(k)}" for k in IDENTITY_KEYS)
        reason = (
            f"the sandbox clock went back from {stored['sandbox_now']} to {identity['sandbox_now']} "
            "(the world was reset)"
            if went_back and not mismatched
            else f"it was loaded from sandbox world {was} but the sandbox now holds {now}"
        )
        raise LoadRefused(
            f"refusing to load: {reason}. Run `roundtrip load --full-refresh` to rebuild the "
            "warehouse from the current world, or set ROUNDTRIP_WAREHOUSE_DIR to another folder."
        )


def _table_counts(con: duckdb.DuckDBPyConnection, dataset: str) -> dict[str, int]:
    tables = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? and table_name not like '\\_dlt%' escape '\\'",
        [dataset],
    ).fetchall()
    return {
        name: con.execute(f'select count(*) from "{dataset}"."{name}"').fetchone()[0]
        for (name,) in tables
    }


def _table_columns(con: duckdb.DuckDBPyConnection, dataset: str) -> dict[str, set[str]]:
    """Table → its columns, in `dataset` of the working file."""
    found: dict[str, set[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = ?",
        [dataset],
    ).fetchall():
        found.setdefault(table, set()).add(column)
    return found


def _unseen_drift(
    events: list[DriftEvent], known: Mapping[str, set[str]], normalize: Callable[[str], str]
) -> list[DriftEvent]:
    """The drift worth recording in `monitor.schema_changes`: a column (or the text variant of a
    retyped one) that a table the warehouse already held did not have before this load. A first
    load of a table has nothing to compare with; a column seen before is not new again."""
    unseen = []
    for event in events:
        table = known.get(normalize(event.resource))
        column = event.column + (VARIANT_SUFFIX if event.kind == "type_change" else "")
        if table is not None and normalize(column) not in table:
            unseen.append(event)
    return unseen


def _apply_counts(
    stats: Mapping[str, ResourceStats], before: Mapping[str, int], after: Mapping[str, int]
) -> None:
    for name, s in stats.items():
        s.new = max(after.get(name, 0) - before.get(name, 0), 0)
        s.updated = max(s.records - s.new, 0)


@dataclass
class _Extracted:
    """One system extracted and normalized (or failed doing so), waiting for its turn to load."""

    endpoint: Endpoint
    pipeline: dlt.Pipeline
    ctx: LoadContext
    started: datetime
    load_ids: list[str] = field(default_factory=list)  # packages a previous run left behind
    error: str | None = None
    notice: str | None = None  # the saved cursors were realigned with the data (state_check.py)
    full_reload: bool = False  # … by reloading the system in full


def _finish_pending(pipeline: dlt.Pipeline) -> list[str]:
    """Load the packages a previous run extracted but never loaded (it died half way)."""
    pipeline.normalize()
    return list(pipeline.load().loads_ids)


def _extract(
    endpoint: Endpoint,
    paths: WarehousePaths,
    working: duckdb.DuckDBPyConnection,
    run_id: str,
    now: datetime,
    full_refresh: bool,
    progress: LoadProgress,
    loader: ThreadPoolExecutor,
    build: Callable[[str], Callable[[Endpoint, LoadContext], DltSource]],
    tables: tuple[str, ...] | None = None,
) -> _Extracted:
    """Extract and normalize one system (only `tables` of it, when given) into load packages
    (files in its pipeline folder)."""
    pipeline = make_pipeline(paths, endpoint.system)
    ctx = LoadContext(endpoint.system, now, on_progress=progress.update)
    extracted = _Extracted(endpoint, pipeline, ctx, datetime.now(UTC))
    with working.cursor() as con:
        record_run_start(
            con,
            run_id,
            endpoint.system,
            endpoint.mode,
            extracted.started,
            full_refresh,
            None if tables is None else ", ".join(tables),
        )
    load_state.mark_running(paths, run_id, endpoint.system, extracted.started)
    try:
        if pipeline.has_pending_data:  # a previous run died before loading: load that first
            extracted.load_ids = loader.submit(_finish_pending, pipeline).result()
        if not full_refresh:
            with working.cursor() as con:
                alignment = align_state(pipeline, con)
            if alignment:
                extracted.notice = alignment.notice
                extracted.full_reload = alignment.full_reload
                progress.console.print(f"{endpoint.system}: {alignment.notice}", soft_wrap=True)
        source = build(endpoint.system)(endpoint, ctx)
        if tables is not None and not extracted.full_reload:
            progress.console.print(
                f"{endpoint.system}: reading {', '.join(tables)} only; its other tables keep "
                "their rows and cursors",
                soft_wrap=True,
            )
            # the others' tables and cursors stay as they are (a full reload reads every table)
            source = source.with_resources(*tables)
        started = time.monotonic()
        pipeline.extract(source, refresh=_refresh_mode(full_refresh, extracted.full_reload, tables))
        ctx.step_seconds["extract"] = time.monotonic() - started
        pipeline.normalize()
        ctx.step_seconds["normalize"] = time.monotonic() - started - ctx.step_seconds["extract"]
    except Exception as exc:  # one system failing must not stop the others
        extracted.error = _describe(exc)
    # at once, not with the run: a refused version fails the load, which is not published
    record_signals(
        paths,
        run_id,
        endpoint.system,
        ((version, s.kind, s.detail, s.sunset) for version, s in ctx.version_signals),
    )
    return extracted


def _refresh_mode(
    full_refresh: bool, full_reload: bool, tables: tuple[str, ...] | None
) -> str | None:
    """dlt's `refresh` for this extract: drop the whole source's tables and state (a reload in
    full, or --full-refresh of the whole system), only the selected resources' (--full-refresh of
    some tables), or nothing."""
    if full_reload or (full_refresh and tables is None):
        return "drop_sources"
    return "drop_resources" if full_refresh else None


def _load(
    extracted: _Extracted,
    paths: WarehousePaths,
    working: duckdb.DuckDBPyConnection,
    run_id: str,
    full_refresh: bool,
) -> SystemResult:
    """Load one system's packages into the working file and record its run (loader thread)."""
    system, ctx, error = extracted.endpoint.system, extracted.ctx, extracted.error
    load_ids = list(extracted.load_ids)
    if error is None:
        try:
            with working.cursor() as con:
                refreshed = full_refresh or extracted.full_reload
                before = {} if refreshed else _table_counts(con, f"raw_{system}")
                known = _table_columns(con, f"raw_{system}")
            started = time.monotonic()
            info = extracted.pipeline.load()
            ctx.step_seconds["load"] = time.monotonic() - started
            info.raise_on_failed_jobs()
            load_ids += info.loads_ids
            with working.cursor() as con:
                _apply_counts(ctx.stats, before, _table_counts(con, f"raw_{system}"))
            naming = extracted.pipeline.default_schema.naming.normalize_identifier
            for stats in ctx.stats.values():
                stats.drift = _unseen_drift(stats.drift, known, naming)
        except Exception as exc:
            error = _describe(exc)
    if error:
        log.error("loading %s failed: %s", system, error)
    status = "failed" if error else "succeeded"
    finished = datetime.now(UTC)
    with working.cursor() as con:
        record_run_end(
            con,
            run_id,
            system,
            finished,
            status,
            load_ids,
            error,
            ctx.stats.values(),
            ctx.step_seconds,
        )
    load_state.mark_finished(paths, run_id, system, status, finished, error)
    return SystemResult(system, status, ctx.stats, error, load_ids)


def run_load(
    endpoints: list[Endpoint],
    paths: WarehousePaths,
    *,
    now: datetime,
    identity: Mapping[str, str],
    full_refresh: bool = False,
    tables: Mapping[str, tuple[str, ...] | None] | None = None,
    console: Console | None = None,
    lock_timeout: float = 3600.0,
    build: Callable[[str], Callable[[Endpoint, LoadContext], DltSource]] = source_builder,
) -> LoadResult:
    """Load every endpoint's system (only the `tables` given for it, when its entry is not None:
    pipelines/selection.py); publish when any succeeded. Never raises for one system's failure:
    it is recorded in `monitor.load_runs` and returned. Raises PublishRefused when the working
    file fails verification (warehouse/verify.py). `build` gives each system's dlt source (the
    audit's refetch passes its own: pipelines/audit.py)."""
    tables = tables or {}
    # logs and CI captures are not 80 columns wide: do not truncate the summary there
    console = console or Console(stderr=True, width=None if sys.stderr.isatty() else 140)
    without_pandas_probe()
    paths.ensure()
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    with writer_lock(
        paths.lock_file, "roundtrip load", timeout=lock_timeout, on_wait=console.print
    ):
        with hold_working_file(paths) as working:
            ensure_tables(working)
            check_identity(working, identity, full_refresh)
            # one loader thread: system N loads into DuckDB (one writer) while N+1 is extracted
            with (
                LoadProgress(console) as progress,
                ThreadPoolExecutor(1, thread_name_prefix="roundtrip-loader") as loader,
            ):
                loads = [
                    loader.submit(
                        _load,
                        _extract(
                            endpoint,
                            paths,
                            working,
                            run_id,
                            now,
                            full_refresh,
                            progress,
                            loader,
                            build,
                            tables.get(endpoint.system),
                        ),
                        paths,
                        working,
                        run_id,
                        full_refresh,
                    )
                    for endpoint in endpoints
                ]
                results = [load.result() for load in loads]
            # each system publishes on its own: a failed one keeps its last good raw tables
            ok = any(r.status == "succeeded" for r in results)
            if ok:
                write_meta(working, dict(identity))
        if ok:  # the working file is closed (checkpointed) before it is copied
            # only what this load wrote is read back whole (raw schemas that loaded packages)
            written = [f"raw_{r.system}" for r in results if r.load_ids or r.error]
            publish(paths, allow_loss=full_refresh, changed=written)
    console.print(
        summary_table((r.system, s) for r in results for s in r.stats.values()),
    )
    for r in results:
        if r.error:
            console.print(f"[red]{r.system} failed:[/red] {r.error}", soft_wrap=True)
    return LoadResult(run_id, results, published=ok)


def _describe(exc: BaseException) -> str:
    """The innermost meaningful message (dlt wraps source errors in PipelineStepFailed), on one
    line; a DuckDB file that cannot be read back says what to do."""
    while (inner := exc.__cause__ or exc.__context__) is not None:
        exc = inner
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    if isinstance(exc, duckdb.IOException):
        text += (
            "; the working warehouse is damaged: run `roundtrip restore` (copies the published "
            "warehouse back), then load again"
        )
    return text
