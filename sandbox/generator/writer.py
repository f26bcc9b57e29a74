"""Writing DuckDB files safely: build in a temp file next to the target, then rename over it."""

from __future__ import annotations

import contextlib
import ctypes
import gc
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
# DuckDB's own memory while writing a world: the generator's frames need the rest of the machine
MEMORY_LIMIT = "512MB"
# ... and while writing a staged table: the primary-key index of 23 M e-mail event ids (scale L)
# takes ~2 GB, and DuckDB needs all of it in memory to insert more keys
STAGED_MEMORY_LIMIT = "3GB"
# rows written between checkpoints: DuckDB evicts only what a checkpoint has written (primary-key
# indexes too), so without them 23 M e-mail events would not fit in MEMORY_LIMIT
CHECKPOINT_ROWS = 1_000_000


@contextmanager
def replacing(
    target: Path,
    schema: Path | None = None,
    copy_from: Path | None = None,
    memory_limit: str | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a temp copy of `target` (fresh from `schema`, or a copy of `copy_from`),
    with DuckDB's `memory_limit` when given; on success it atomically replaces `target`, on
    failure the temp file is removed."""
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
    if memory_limit is not None:
        con.execute(f"SET memory_limit = '{memory_limit}'")
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
            _checkpoint_every(con, start + CHUNK_ROWS)
        return
    columns = [c for c in frame.columns if c in types]
    for start in range(0, len(frame), CHUNK_ROWS):
        chunk = frame.iloc[start : start + CHUNK_ROWS][columns].copy()
        for column in chunk.columns:  # epoch seconds → TIMESTAMP
            if types[column] == "TIMESTAMP" and chunk[column].dtype.kind in "iu":
                chunk[column] = pd.to_datetime(chunk[column], unit="s")
        _insert_arrow(con, table, pa.Table.from_pandas(chunk, preserve_index=False))
        _checkpoint_every(con, start + CHUNK_ROWS)


def _checkpoint_every(con: duckdb.DuckDBPyConnection, written: int) -> None:
    """CHECKPOINT when `written` rows complete another CHECKPOINT_ROWS."""
    if written % CHECKPOINT_ROWS == 0:
        con.execute("CHECKPOINT")


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


class Staged:
    """Tables whose rows arrive (as Arrow) before their turn to be written: kept in Arrow IPC streams
    in `folder` meanwhile, so neither Python nor DuckDB holds them while the rest is built."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._writers: dict[str, pa.ipc.RecordBatchStreamWriter] = {}

    def append(self, table: str, rows: pa.Table) -> None:
        """Stage `rows` after those already staged for `table`."""
        if table not in self._writers:
            self._writers[table] = pa.ipc.new_stream(str(self._path(table)), rows.schema)
        self._writers[table].write_table(rows)

    def write(self, con: duckdb.DuckDBPyConnection) -> None:
        """Insert every staged table in order, a batch at a time, with STAGED_MEMORY_LIMIT."""
        release_freed_memory()
        con.execute(f"SET memory_limit = '{STAGED_MEMORY_LIMIT}'")
        for table, writer in self._writers.items():
            writer.close()
            with pa.OSFile(str(self._path(table))) as source:
                for batch in pa.ipc.open_stream(source):
                    insert(con, table, pa.Table.from_batches([batch]))
        con.execute("CHECKPOINT")
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        self.remove()

    def remove(self) -> None:
        """Close and delete the staging files."""
        for table, writer in self._writers.items():
            writer.close()
            self._path(table).unlink(missing_ok=True)
        self._writers.clear()

    def _path(self, table: str) -> Path:
        return self.folder / f".{table}.staged.arrows"


@contextmanager
def staged(folder: Path) -> Iterator[Staged]:
    """A `Staged` whose files are removed however the block ends."""
    staging = Staged(folder)
    try:
        yield staging
    finally:
        staging.remove()


def release_freed_memory() -> None:
    """Give the C heap's free pages back to the system: after the frames' millions of small strings
    are freed, glibc keeps them (about a gigabyte at L) unless asked."""
    gc.collect()
    with contextlib.suppress(OSError):  # not glibc: nothing to ask
        ctypes.CDLL("libc.so.6").malloc_trim(0)
