"""Read-through column snapshots of a table for fast keyset pages (list endpoints).

DuckDB spends ~1.5 ms on even a tiny `WHERE id > ? ORDER BY id LIMIT 101` over a 10k-row
table; a page cut from an in-memory Arrow column costs ~0.05 ms. A snapshot holds the sorted keys
of the rows matching a fixed filter and, loaded on first use, each column (SQL expression) a page
asked for. It is only valid while nobody else writes the table: the stand-in process is the
only writer while it runs, and every write path must call `Snapshots.invalidate(table)`.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

import duckdb
import pyarrow as pa


class Snapshot:
    """Rows of `table` matching `where`, ordered by the integer column `key`."""

    def __init__(self, db: duckdb.DuckDBPyConnection, table: str, where: str, key: str) -> None:
        self._db = db
        self._query = f"FROM {table} WHERE {where} ORDER BY {key}"
        self.keys: list[int] = self._load(key).to_pylist()
        self._columns: dict[str, pa.ChunkedArray] = {}

    def _load(self, expr: str) -> pa.ChunkedArray:
        return self._db.sql(f"SELECT {expr} AS v {self._query}").to_arrow_table().column(0)

    def page(self, after: int, limit: int, exprs: list[str]) -> tuple[list[tuple[Any, ...]], bool]:
        """Up to `limit` rows (values of `exprs`) with key > `after`, and whether more follow."""
        start = bisect_right(self.keys, after)
        stop = min(start + limit, len(self.keys))
        columns = []
        for expr in exprs:
            if expr not in self._columns:
                self._columns[expr] = self._load(expr)
            columns.append(self._columns[expr].slice(start, stop - start).to_pylist())
        return list(zip(*columns, strict=True)), stop < len(self.keys)


class Snapshots:
    """Snapshots by (table, filter), dropped table by table when it is written."""

    def __init__(self, db: duckdb.DuckDBPyConnection) -> None:
        # Its own cursor: DuckDB refuses `sql()` on a connection holding an unfinished result.
        self._db = db.cursor()
        self._cache: dict[tuple[str, str], Snapshot] = {}

    def get(self, table: str, where: str, key: str = "id") -> Snapshot:
        snapshot = self._cache.get((table, where))
        if snapshot is None:
            snapshot = self._cache[(table, where)] = Snapshot(self._db, table, where, key)
        return snapshot

    def invalidate(self, table: str) -> None:
        for cached in [k for k in self._cache if k[0] == table]:
            del self._cache[cached]
