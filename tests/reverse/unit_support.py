"""Helpers for the fast reverse-sync unit tests: a tiny published warehouse in a temp folder,
a sync state built with reverse.state's own functions, and specs built in code.

No sandbox, no CLI: the planner reads a DuckDB file with one model table, and "the destination
accepted / rejected" is recorded exactly as the engine records a batch's outcomes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb

from reverse.plan import PlanCounts, Planner
from reverse.specs import Destination, Mapping, SyncSpec
from reverse.state import SCHEMA, Accepted, Rejected, record_outcomes
from reverse.writers import Change
from warehouse.state_store import connect_state

MODEL = "marts.scores"
# id, score, tier: the default model's columns
COLUMNS = "id VARCHAR, score INTEGER, tier VARCHAR"


def make_spec(**overrides: Any) -> SyncSpec:
    """A HubSpot contacts sync of `marts.scores`: score → lead_score, tier → lead_tier."""
    spec = SyncSpec(
        name="scores",
        model=MODEL,
        key="id",
        destination=Destination("hubspot", "contacts", "hs_object_id"),
        mode="update",
        mappings=(Mapping("score", "lead_score"), Mapping("tier", "lead_tier")),
    )
    return replace(spec, **overrides)


class Warehouse:
    """A published warehouse file holding one model table, rewritten between planner runs."""

    def __init__(self, root: Path) -> None:
        self.path = root / "roundtrip.duckdb"

    def _connect(self) -> duckdb.DuckDBPyConnection:
        # one thread: a few rows, and a connection starts faster without a thread pool
        return duckdb.connect(str(self.path), config={"threads": 1})

    def set_model(
        self, rows: Iterable[Sequence[Any]], columns: str = COLUMNS, model: str = MODEL
    ) -> None:
        """Replace the model table with `rows` (typed by `columns`, a CREATE TABLE column list)."""
        schema, table = model.split(".")
        rows = list(rows)
        with self._connect() as con:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            con.execute(f"CREATE OR REPLACE TABLE {schema}.{table} ({columns})")
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                con.executemany(f"INSERT INTO {schema}.{table} VALUES ({marks})", rows)

    def set_model_sql(self, select: str, model: str = MODEL) -> None:
        """Replace the model table with the result of a SELECT (for values Python cannot bind)."""
        schema, table = model.split(".")
        with self._connect() as con:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            con.execute(f"CREATE OR REPLACE TABLE {schema}.{table} AS {select}")


def open_state(root: Path) -> sqlite3.Connection:
    """The reverse-sync state file, opened and migrated as `roundtrip sync` does."""
    return connect_state(root / "state" / "reverse.sqlite", SCHEMA)


@dataclass
class Plan:
    """What one planner run produced for a spec."""

    counts: PlanCounts
    batches: list[list[Change]]
    duplicates: list[tuple[str, int]]  # Planner.duplicate_keys()
    left_model: list[str]  # Planner.left_model()

    @property
    def changes(self) -> list[Change]:
        return [c for batch in self.batches for c in batch]


def plan(
    warehouse: Warehouse,
    state: sqlite3.Connection,
    spec: SyncSpec,
    *,
    full: bool = False,
    batch_size: int = 100,
) -> Plan:
    """One diff, as a run does it: a fresh planner on the published file, counts then changes."""
    with Planner(warehouse.path) as planner:
        counts = planner.prepare(spec, state, full=full)
        return Plan(
            counts,
            list(planner.changes(spec, batch_size)),
            planner.duplicate_keys(),
            planner.left_model(),
        )


def accept(state: sqlite3.Connection, spec: SyncSpec, changes: Iterable[Change]) -> None:
    """The destination accepted these changes (stored as reverse.engine stores them)."""
    accepted = [Accepted(c.key, c.key, c.fields_hash, c.payload) for c in changes]
    record_outcomes(state, spec.name, "run-accept", spec.max_attempts, accepted, [])


def reject(
    state: sqlite3.Connection, spec: SyncSpec, changes: Iterable[Change], reason: str = "refused"
) -> int:
    """The destination refused these changes; returns how many went dead (as the engine does,
    a clear is rejected under the hash "clear")."""
    rejected = [Rejected(c.key, c.fields_hash or "clear", c.payload, reason) for c in changes]
    return record_outcomes(state, spec.name, "run-reject", spec.max_attempts, [], rejected)


def sync_once(warehouse: Warehouse, state: sqlite3.Connection, spec: SyncSpec) -> list[Change]:
    """Plan and have the destination accept everything planned; the changes sent."""
    changes = plan(warehouse, state, spec).changes
    accept(state, spec, changes)
    return changes


def by_key(changes: Iterable[Change]) -> dict[str, Change]:
    return {c.key: c for c in changes}


def actions(changes: Iterable[Change]) -> dict[str, str]:
    """key → action of every planned change."""
    return {c.key: c.action for c in changes}


def reject_rows(state: sqlite3.Connection, sync: str) -> dict[str, tuple[int, str]]:
    """key → (attempts, status) of the sync's rejects."""
    rows = state.execute(
        "select key, attempts, status from sync_rejects where sync = ?", [sync]
    ).fetchall()
    return {k: (a, s) for k, a, s in rows}
