"""Operational state that must be written while a load or transform holds the warehouse.

The reverse sync and the health checks run at any time, so they cannot write into the DuckDB
working file (one writer, held by loads for minutes) nor the published copy (read-only). Each
keeps its state in a SQLite file under `warehouse/state/` instead: WAL mode lets one writer
commit small transactions while other processes read, and a commit survives kill -9.

Every publish mirrors these files into the warehouse (`state/reverse.sqlite` → schema
`reverse`, `state/monitor.sqlite` → schema `monitor`), so analysts see sync logs, rejects
and check history next to the data, as of the last publish.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

BUSY_TIMEOUT_MS = 30_000

# SQLite declared type → the DuckDB type the mirrored column gets
_DUCKDB_TYPES = {
    "INTEGER": "BIGINT",
    "REAL": "DOUBLE",
    "TEXT": "VARCHAR",
    "BOOLEAN": "BOOLEAN",
    "TIMESTAMP": "TIMESTAMPTZ",
    "DATE": "DATE",
}


def connect_state(path: Path, schema_sql: str) -> sqlite3.Connection:
    """Open (creating if needed) a state file in WAL mode and apply its idempotent schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    con.executescript(schema_sql)
    return con


@contextmanager
def transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK on error)."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _columns(con: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    return [
        (row[1], _DUCKDB_TYPES.get(str(row[2]).upper(), "VARCHAR"))
        for row in con.execute(f'PRAGMA table_info("{table}")')
    ]


def mirror_state(duck: duckdb.DuckDBPyConnection, state_file: Path, schema: str) -> list[str]:
    """Replace `schema.<table>` in the DuckDB connection with a copy of every table of the state
    file; return the table names. A missing state file mirrors nothing."""
    if not state_file.exists():
        return []
    src = sqlite3.connect(f"file:{state_file}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        src.execute("BEGIN")  # one consistent snapshot across tables
        tables = [
            r[0]
            for r in src.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        duck.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        for table in tables:
            columns = _columns(src, table)
            names = [name for name, _ in columns]
            rows = src.execute(f'SELECT * FROM "{table}"').fetchall()
            data = pa.table({n: pa.array([r[i] for r in rows]) for i, n in enumerate(names)})
            select = ", ".join(f'CAST(data."{n}" AS {t}) AS "{n}"' for n, t in columns)
            duck.register("data", data)
            try:
                duck.execute(
                    f'CREATE OR REPLACE TABLE {schema}."{table}" AS SELECT {select} FROM data'
                )
            finally:
                duck.unregister("data")
    finally:
        src.close()
    return tables
