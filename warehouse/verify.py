"""Check a candidate warehouse file before it replaces the published copy.

DuckDB checks a block's checksum whenever it reads the block from disk, so reading every column
of every table (one hash aggregate per column) finds a damaged block in the candidate; opening it
finds a truncated or foreign file. A candidate must also keep every schema, and every table of
the `marts` schema, that the published copy has, unless the caller allows the loss (a full
refresh): a working file that lost its marts must not replace the analysts' warehouse.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import duckdb

KEPT_TABLES_SCHEMAS = ("marts",)


class WarehouseDamaged(Exception):
    """A warehouse file cannot be opened or read back whole (one line: which file, what failed)."""


class WarehouseShrank(Exception):
    """The candidate lost schemas or marts that the published copy has."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (DuckDB's messages run on for lines)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def contents(path: Path) -> dict[str, set[str]]:
    """Schema → its tables and views in the warehouse file at `path` (opened read-only)."""
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            rows = con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_catalog = current_database()"
            ).fetchall()
            schemas = con.execute(
                "select schema_name from information_schema.schemata "
                "where catalog_name = current_database()"
            ).fetchall()
    except duckdb.Error as exc:
        raise WarehouseDamaged(f"{path} cannot be opened: {first_line(exc)}") from None
    found: dict[str, set[str]] = {s: set() for (s,) in schemas}
    for schema, table in rows:
        found.setdefault(schema, set()).add(table)
    return found


# The read-back streams: without a limit DuckDB's buffer pool keeps every block it read (at
# scale M the publish after a transform took ~400 MiB more than the read needs).
READ_BACK_MEMORY = "256MB"


def read_every_block(path: Path, schemas: Collection[str] | None = None) -> None:
    """Read every column of every table of `path` (of `schemas` only, when given); raise
    WarehouseDamaged naming the first table whose data cannot be read back (a checksum mismatch,
    a truncated file)."""
    try:
        con = duckdb.connect(str(path), read_only=True, config={"memory_limit": READ_BACK_MEMORY})
    except duckdb.Error as exc:
        raise WarehouseDamaged(f"{path} cannot be opened: {first_line(exc)}") from None
    with con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = current_database() order by all"
        ).fetchall()
        for schema, table in tables:
            if schemas is not None and schema not in schemas:
                continue
            try:
                con.execute(f'select max(hash(columns(*))) from "{schema}"."{table}"').fetchall()
            except duckdb.Error as exc:
                raise WarehouseDamaged(
                    f"{path}: table {schema}.{table} cannot be read back: {first_line(exc)}"
                ) from None


def lost(previous: dict[str, set[str]], candidate: dict[str, set[str]]) -> list[str]:
    """What the candidate lacks: whole schemas, and tables of the kept schemas (marts)."""
    gone = sorted(s for s in previous if s not in candidate)
    for schema in KEPT_TABLES_SCHEMAS:
        if schema in candidate:
            gone += sorted(f"{schema}.{t}" for t in previous.get(schema, set()) - candidate[schema])
    return gone


def verify(
    candidate: Path,
    previous: Path | None,
    *,
    allow_loss: bool = False,
    changed: Collection[str] | None = None,
) -> None:
    """Raise WarehouseDamaged or WarehouseShrank when `candidate` must not replace `previous`.
    With `changed`, only the tables of those schemas are read back whole (what a load wrote; the
    rest is as the last verified publish left it)."""
    read_every_block(candidate, changed)
    if allow_loss or previous is None or not previous.exists():
        return
    try:
        before = contents(previous)
    except WarehouseDamaged:
        return  # a damaged published copy is replaced by any sound candidate
    missing = lost(before, contents(candidate))
    if missing:
        shown = ", ".join(missing[:6]) + (
            f" and {len(missing) - 6} more" if len(missing) > 6 else ""
        )
        raise WarehouseShrank(
            f"not publishing {candidate.name}: it lacks {shown} that the published warehouse "
            f"{previous} has"
        )
