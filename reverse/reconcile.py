"""Close the round trip: compare what each destination accepted with what the next load read back.

For every record a sync's destination accepted before the latest successful load of that
system, the value the load read back of each mapped field must equal the accepted one. Where
it was read back is the vendor's to say: its descriptor's writable object names the staging
model and the column of each field (connectors/vendor.py `WritableObject`); fields it does not
read back are not checked. A mismatch
means the CRM no longer holds what the sync wrote (a user or another integration overwrote
it, or the write did not persist): it is reported in `sync_mismatches`, counted in the run,
and the record's state is dropped so this run sends the warehouse's value again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

import pyarrow as pa

from connectors.registry import VENDORS
from reverse.plan import WAREHOUSE, Planner, quote_identifier
from reverse.specs import SyncSpec
from reverse.state import utcnow
from reverse.writers import writable
from warehouse.state_store import transaction


@dataclass
class Reconciliation:
    checked: int = 0  # accepted records the latest load read back
    mismatched: int = 0
    samples: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)  # the mismatched records: this run repairs them


def reconcile(
    spec: SyncSpec, planner: Planner, state: sqlite3.Connection, *, fix: bool
) -> Reconciliation:
    """Compare accepted values with loaded ones; with `fix`, store the mismatches and forget
    their state so the run re-sends them (a dry run only counts)."""
    dest = spec.destination
    result = Reconciliation()
    target = writable(VENDORS[dest.system], dest.object, f"sync {spec.name}")
    fields = {f: target.read_back_fields[f] for f in spec.fields if f in target.read_back_fields}
    if not fields or spec.mode == "upsert":  # upserts are keyed on a value, not the loaded id
        return result
    table, record_id = target.read_back, quote_identifier(target.read_back_id)
    schema, name = table.split(".")
    exists = planner.con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_catalog = ? "
        "AND table_schema = ? AND table_name = ?",
        [WAREHOUSE, schema, name],
    ).fetchall()[0][0]
    if not exists:
        return result
    rows = state.execute(
        "select key, payload, accepted_at from sync_state where sync = ?", [spec.name]
    ).fetchall()
    accepted = pa.table(
        {
            "key": pa.array([r[0] for r in rows], pa.string()),
            "payload": pa.array([r[1] for r in rows], pa.string()),
            "accepted_at": pa.array([r[2] for r in rows], pa.string()),
        }
    )
    comparisons = " UNION ALL ".join(
        f"""SELECT a.key, '{f}' AS field, json_extract_string(a.payload, '$.{f}') AS accepted_value,
                CAST(loaded.{quote_identifier(column)} AS VARCHAR) AS crm_value
            FROM checked a JOIN {WAREHOUSE}.{table} loaded
            ON CAST(loaded.{record_id} AS VARCHAR) = a.key"""
        for f, column in fields.items()
    )
    keep = spec.null_policy == "keep"
    con = planner.con
    con.register("accepted_arrow", accepted)
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE checked AS
            SELECT a.key, a.payload FROM accepted_arrow a
            WHERE CAST(a.accepted_at AS TIMESTAMPTZ) < (
                SELECT max(started_at) FROM {WAREHOUSE}.monitor.load_runs
                WHERE system = ? AND status = 'succeeded'
            )
            """,
            [dest.system],
        )
        result.checked = con.execute(
            f"SELECT count(*) FROM checked a JOIN {WAREHOUSE}.{table} loaded "
            f"ON CAST(loaded.{record_id} AS VARCHAR) = a.key"
        ).fetchall()[0][0]
        mismatches = con.execute(
            f"""
            SELECT key, field, accepted_value, crm_value FROM ({comparisons})
            WHERE NOT ({"accepted_value IS NULL OR " if keep else ""}coalesce(
                try_cast(accepted_value AS DOUBLE) = try_cast(crm_value AS DOUBLE),
                accepted_value IS NOT DISTINCT FROM crm_value))
            ORDER BY key, field
            """
        ).fetchall()
    finally:
        con.unregister("accepted_arrow")
    result.keys = {m[0] for m in mismatches}
    result.mismatched = len(result.keys)
    result.samples = mismatches[:5]
    if not fix:
        return result
    now = utcnow()
    with transaction(state):
        state.execute("delete from sync_mismatches where sync = ?", [spec.name])
        state.executemany(
            "insert into sync_mismatches select ?, ?, ?, ?, ?, accepted_at, ? "
            "from sync_state where sync = ? and key = ?",
            [(spec.name, k, f, a, c, now, spec.name, k) for k, f, a, c in mismatches],
        )
        state.executemany(
            "delete from sync_state where sync = ? and key = ?",
            [(spec.name, k) for k in result.keys],
        )
    return result
