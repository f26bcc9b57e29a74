"""Cursor state and data agree: saved incremental cursors are used only with the data behind them.

dlt keeps a pipeline's state (the incremental cursors among it) twice: in its working folder
(`warehouse/work/dlt/`) and, with every load, in the destination (`raw_<system>._dlt_pipeline_state`,
versioned). When the working DuckDB file was deleted, replaced by `roundtrip restore` or otherwise
lost loads, the folder's cursors run ahead of the data, and an incremental load would read only
what changed since, silently. Before extracting, the runner compares the two versions: with no
state in the warehouse the system is reloaded in full; with an older one dlt's state is restored
from the warehouse, so the load resumes from the cursors the data matches; with the same one,
every table the pipeline loaded must still be there, else the system is reloaded in full.
"""

from __future__ import annotations

from dataclasses import dataclass

import dlt
import duckdb


def _saved_version(pipeline: dlt.Pipeline) -> int:
    """The version of the state in the pipeline's working folder (0: nothing saved)."""
    return int(pipeline.state.get("_state_version", 0))


def warehouse_version(con: duckdb.DuckDBPyConnection, pipeline: dlt.Pipeline) -> int | None:
    """The newest state version the warehouse holds for the pipeline (None: none at all)."""
    try:
        row = con.execute(
            f'select max(version) from "{pipeline.dataset_name}"._dlt_pipeline_state '
            "where pipeline_name = ?",
            [pipeline.pipeline_name],
        ).fetchone()
    except duckdb.CatalogException:
        return None
    return None if row is None or row[0] is None else int(row[0])


@dataclass(frozen=True)
class Alignment:
    """What `align_state` did: the line to show, and whether the system must reload in full
    (its tables and state dropped, as with --full-refresh)."""

    notice: str
    full_reload: bool = False


def _missing_tables(pipeline: dlt.Pipeline, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables the pipeline has loaded data into that the working warehouse lacks."""
    if not pipeline.default_schema_name:
        return []
    loaded = pipeline.default_schema.data_table_names(seen_data_only=True)
    present = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ?",
            [pipeline.dataset_name],
        ).fetchall()
    }
    return sorted(t for t in loaded if t not in present)


def align_state(pipeline: dlt.Pipeline, con: duckdb.DuckDBPyConnection) -> Alignment | None:
    """Make the pipeline's saved state match the data in the warehouse; say what was done (None
    when they already agreed). Call after pending packages were loaded."""
    saved = _saved_version(pipeline)
    held = warehouse_version(con, pipeline)
    if saved == 0:
        return None
    if held is not None and held >= saved:
        missing = _missing_tables(pipeline, con)
        if not missing:
            return None
        return Alignment(
            f"{pipeline.dataset_name} lacks {', '.join(missing)} in the working warehouse (its "
            "saved cursors have no data behind them): reloading it in full",
            full_reload=True,
        )
    pipeline.drop()  # forget the folder's state, schemas and (already loaded) packages
    if held is None:
        return Alignment(
            f"{pipeline.dataset_name} has no load state in the working warehouse (the saved "
            f"cursors, state v{saved}, have no data behind them): reloading it in full"
        )
    pipeline.sync_destination()
    return Alignment(
        f"{pipeline.dataset_name} in the working warehouse is older (state v{held}) than the "
        f"saved cursors (v{saved}): resuming from the warehouse's cursors"
    )
