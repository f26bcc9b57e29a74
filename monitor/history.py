"""Every health-check run and result, kept in `<warehouse>/state/monitor.sqlite` (written at
any time, even while a load holds the warehouse) and mirrored into the warehouse schema
`monitor` on every publish (`monitor.check_runs`, `monitor.check_results`).

| table | one row per |
|---|---|
| `check_runs` | `roundtrip health` run: when (monitoring and wall clock), which checks, how many failing |
| `check_results` | result of one check for one subject in one run: status, severity, value and its unit, threshold, message, owner, details (JSON) |

`observed_at` is the monitoring clock (the sandbox clock in sandbox mode); `started_at` and
`finished_at` of a run are the wall clock. Runs are numbered in order (`run_id`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from monitor.results import CheckResult, Severity, Status
from warehouse.location import WarehousePaths
from warehouse.state_store import connect_state, transaction

HISTORY_SCHEMA = """
CREATE TABLE IF NOT EXISTS check_runs (
    run_id INTEGER PRIMARY KEY,
    observed_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    checks TEXT NOT NULL,
    results INTEGER NOT NULL,
    failing INTEGER NOT NULL,
    worst_severity TEXT
);
CREATE TABLE IF NOT EXISTS check_results (
    run_id INTEGER NOT NULL REFERENCES check_runs (run_id),
    check_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    system TEXT,
    status TEXT NOT NULL,
    severity TEXT,
    value REAL,
    unit TEXT NOT NULL,
    threshold TEXT NOT NULL,
    message TEXT NOT NULL,
    observed_at TIMESTAMP NOT NULL,
    owner TEXT NOT NULL,
    details TEXT NOT NULL,
    PRIMARY KEY (run_id, check_name, subject)
);
CREATE INDEX IF NOT EXISTS check_results_by_subject
    ON check_results (check_name, subject, run_id);
"""


def iso(moment: datetime) -> str:
    """UTC ISO 8601 text (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def connect_history(paths: WarehousePaths) -> sqlite3.Connection:
    """The monitor state file, with the history tables in place."""
    return connect_state(paths.state_file("monitor"), HISTORY_SCHEMA)


def _worst(results: list[CheckResult]) -> Severity | None:
    return max((r.severity or Severity.LOW for r in results if not r.passing), default=None)


def record_run(
    con: sqlite3.Connection,
    results: list[CheckResult],
    *,
    checks: Iterable[str],
    observed_at: datetime,
    started_at: datetime,
) -> int:
    """Store one run and its results in one transaction; return its run_id."""
    worst = _worst(results)
    with transaction(con):
        cursor = con.execute(
            "INSERT INTO check_runs (observed_at, started_at, finished_at, checks, results, "
            "failing, worst_severity) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                iso(observed_at),
                iso(started_at),
                iso(datetime.now(UTC)),
                ",".join(checks),
                len(results),
                sum(not r.passing for r in results),
                worst.name.lower() if worst else None,
            ],
        )
        run_id = int(cursor.lastrowid or 0)
        _insert_results(con, run_id, results)
    return run_id


def append_results(con: sqlite3.Connection, run_id: int, results: list[CheckResult]) -> None:
    """Add results to a stored run (the alert router's `alert_delivery` results)."""
    if not results:
        return
    with transaction(con):
        _insert_results(con, run_id, results)
        stored = [r.result for r in read_results(con, run_id=run_id)]
        worst = _worst(stored)
        con.execute(
            "UPDATE check_runs SET finished_at = ?, results = ?, failing = ?, worst_severity = ? "
            "WHERE run_id = ?",
            [
                iso(datetime.now(UTC)),
                len(stored),
                sum(not r.passing for r in stored),
                worst.name.lower() if worst else None,
                run_id,
            ],
        )


def _insert_results(con: sqlite3.Connection, run_id: int, results: list[CheckResult]) -> None:
    con.executemany(
        "INSERT INTO check_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                run_id,
                r.check,
                r.details.get("kind", ""),
                r.subject,
                r.system,
                r.status.value,
                r.severity.name.lower() if r.severity else None,
                r.value,
                r.details.get("unit", ""),
                r.threshold,
                r.message,
                iso(r.observed_at),
                r.owner,
                json.dumps(r.details, default=str, sort_keys=True),
            ]
            for r in results
        ],
    )


def status_since(con: sqlite3.Connection, results: list[CheckResult]) -> dict[str, datetime]:
    """alert_key → when that check/subject entered its current status (its first result since
    the last result with another status)."""
    since: dict[str, datetime] = {}
    for r in results:
        (first,) = con.execute(
            "SELECT min(observed_at) FROM check_results WHERE check_name = ? AND subject = ? "
            "AND run_id > coalesce((SELECT max(run_id) FROM check_results WHERE check_name = ? "
            "AND subject = ? AND status != ?), 0)",
            [r.check, r.subject, r.check, r.subject, r.status.value],
        ).fetchone()
        if first is not None:
            since[r.alert_key] = datetime.fromisoformat(first)
    return since


@dataclass(frozen=True)
class StoredResult:
    """A result as history holds it (for charts and `roundtrip status`)."""

    run_id: int
    result: CheckResult
    unit: str


def read_results(
    con: sqlite3.Connection,
    *,
    check: str | None = None,
    last_runs: int | None = None,
    run_id: int | None = None,
) -> list[StoredResult]:
    """Stored results, oldest first: of one check or all, of one run, the last `last_runs` runs
    or all."""
    where: list[str] = []
    params: list[object] = []
    if run_id is not None:
        where.append("run_id = ?")
        params.append(run_id)
    if check is not None:
        where.append("check_name = ?")
        params.append(check)
    if last_runs is not None:
        where.append("run_id > (SELECT coalesce(max(run_id), 0) - ? FROM check_runs)")
        params.append(last_runs)
    rows = con.execute(
        "SELECT run_id, check_name, subject, system, status, severity, value, threshold, "
        "message, observed_at, owner, details, unit FROM check_results"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY run_id, check_name, subject",
        params,
    ).fetchall()
    return [
        StoredResult(
            run_id,
            CheckResult(
                check=name,
                subject=subject,
                system=system,
                status=Status(status),
                severity=Severity.parse(severity) if severity else None,
                value=value,
                threshold=threshold,
                message=message,
                observed_at=datetime.fromisoformat(observed),
                owner=owner,
                details=json.loads(details),
            ),
            unit,
        )
        for run_id, name, subject, system, status, severity, value, threshold, message, observed, owner, details, unit in rows
    ]
