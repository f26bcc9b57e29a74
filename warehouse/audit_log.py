"""What each audit against missed updates found and refetched, kept in the `monitor` state file
(`state/monitor.sqlite`, table `audit_runs`, mirrored to `monitor.audit_runs` on publish):
written by `roundtrip audit` (pipelines/audit.py), read by the `audit` health check."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from warehouse.location import WarehousePaths
from warehouse.state_store import connect_state, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_runs (
    audit_id TEXT NOT NULL,
    system TEXT NOT NULL,
    table_name TEXT NOT NULL,
    audited_at TIMESTAMP NOT NULL,   -- wall clock
    vendor_records INTEGER NOT NULL,
    warehouse_records INTEGER NOT NULL,
    found INTEGER NOT NULL,          -- ids the warehouse lacked or held with an older stamp
    refetched INTEGER NOT NULL,      -- records the refetch brought back
    example_ids TEXT NOT NULL,       -- a few of the ids found, comma-separated
    error TEXT                       -- why the refetch failed (null when it did not)
);
"""


@dataclass(frozen=True)
class AuditRow:
    audit_id: str
    system: str
    table_name: str
    audited_at: datetime
    vendor_records: int
    warehouse_records: int
    found: int
    refetched: int
    example_ids: str
    error: str | None


def record_audit(paths: WarehousePaths, rows: Iterable[AuditRow]) -> None:
    values = [
        (r.audit_id, r.system, r.table_name, r.audited_at.isoformat(), r.vendor_records,
         r.warehouse_records, r.found, r.refetched, r.example_ids, r.error)
        for r in rows
    ]  # fmt: skip
    con = connect_state(paths.state_file("monitor"), SCHEMA)
    try:
        with transaction(con):
            con.executemany("INSERT INTO audit_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
    finally:
        con.close()


def last_audits(paths: WarehousePaths) -> dict[str, list[AuditRow]]:
    """System → the rows of its latest audit (empty before any); never creates the file."""
    state = paths.state_file("monitor")
    if not state.exists():
        return {}
    con = connect_state(state, SCHEMA)
    try:
        rows = con.execute(
            "SELECT * FROM audit_runs a WHERE audit_id = (SELECT max(audit_id) FROM audit_runs b "
            "WHERE b.system = a.system) ORDER BY system, table_name"
        ).fetchall()
    finally:
        con.close()
    latest: dict[str, list[AuditRow]] = {}
    for audit_id, system, table, at, vendor, held, found, refetched, examples, error in rows:
        audit = AuditRow(
            audit_id, system, table, datetime.fromisoformat(at), vendor, held, found, refetched,
            examples, error,
        )  # fmt: skip
        latest.setdefault(system, []).append(audit)
    return latest
