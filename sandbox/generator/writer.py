"""Writing DuckDB files safely: build in a temp file next to the target, then rename over it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

SANDBOX = Path(__file__).resolve().parent.parent
SCHEMA_SQL = SANDBOX / "schema.sql"
TRUTH_SQL = SANDBOX / "truth.sql"
# rows per insert: bounds the Arrow copy of a frame being written (1 M people: 23 M e-mail events)
CHUNK_ROWS = 250_000
# DuckDB's own memory while writing a world (it spills beyond): the generator's frames need the rest
MEMORY_LIMIT = "512MB"


@contextmanager
def replacing(
    target: Path, schema: Path | None = None, copy_from: Path | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a temp copy of `target` (fresh from `schema`, or a copy of `copy_from`);
    on success it atomically replaces `target`, on failure the temp file is removed."""
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    if copy_from is not None:
        shutil.copyfile(copy_from, tmp)
        wal = Path(str(copy_from) + ".wal")
        if wal.exists():
            shutil.copyfile(wal, Path(str(tmp) + ".wal"))
    con = duckdb.connect(str(tmp))
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    try:
        if schema is not None:
            con.execute(schema.read_text())
        yield con
        con.execute("CHECKPOINT")
        con.close()
        os.replace(tmp, target)
    finally:
        con.close()
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)


def insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame | pa.Table) -> None:
    """Insert the columns of `frame` that `table` has (by name), `CHUNK_ROWS` rows at a time (in
    order), so a large frame is never copied whole into Arrow."""
    types = {r[0]: r[1] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    if isinstance(frame, pa.Table):
        data = frame.select([c for c in frame.column_names if c in types])
        for start in range(0, data.num_rows, CHUNK_ROWS):
            _insert_arrow(con, table, data.slice(start, CHUNK_ROWS))
        return
    columns = [c for c in frame.columns if c in types]
    for start in range(0, len(frame), CHUNK_ROWS):
        chunk = frame.iloc[start : start + CHUNK_ROWS][columns].copy()
        for column in chunk.columns:  # epoch seconds → TIMESTAMP
            if types[column] == "TIMESTAMP" and chunk[column].dtype.kind in "iu":
                chunk[column] = pd.to_datetime(chunk[column], unit="s")
        _insert_arrow(con, table, pa.Table.from_pandas(chunk, preserve_index=False))


def _insert_arrow(con: duckdb.DuckDBPyConnection, table: str, data: pa.Table) -> None:
    con.register("_frame", data)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _frame")
    finally:
        con.unregister("_frame")


def update(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, keys: list[str]
) -> None:
    """UPDATE `table` from the rows of `frame` matched on `keys` (every other column of `frame` is set)."""
    if frame.empty:
        return
    sets = ", ".join(f'"{c}" = _changes."{c}"' for c in frame.columns if c not in keys)
    match = " AND ".join(f'{table}."{k}" = _changes."{k}"' for k in keys)
    con.register("_changes", pa.Table.from_pandas(frame, preserve_index=False))
    try:
        con.execute(f"UPDATE {table} SET {sets} FROM _changes WHERE {match}")
    finally:
        con.unregister("_changes")
