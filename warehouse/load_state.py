"""Each system's latest load, kept where readers see it at once: `state/loads.sqlite`.

`monitor.load_runs` reaches readers only with a publish, so a load that is running, or that
failed and published nothing, would be invisible to `roundtrip status` and `roundtrip health`.
The load runner also writes here (one small WAL transaction when a system starts and ends); a
row still `running` whose process is gone reads as `interrupted`.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime

import psutil

from warehouse.location import WarehousePaths
from warehouse.state_store import connect_state, transaction

SCHEMA = """
create table if not exists load_state (
    system varchar primary key,
    run_id varchar not null,
    status varchar not null,          -- running | succeeded | failed
    pid integer not null,
    started_at timestamp not null,
    finished_at timestamp,
    error varchar,
    last_success_at timestamp         -- when its last successful load finished
);
"""


@dataclass(frozen=True)
class LoadState:
    system: str
    run_id: str
    status: str  # running | succeeded | failed | interrupted
    started_at: datetime
    finished_at: datetime | None
    error: str | None
    last_success_at: datetime | None


def _connect(paths: WarehousePaths) -> sqlite3.Connection:
    return connect_state(paths.state_file("loads"), SCHEMA)


def mark_running(paths: WarehousePaths, run_id: str, system: str, at: datetime) -> None:
    con = _connect(paths)
    try:
        with transaction(con):
            con.execute(
                "insert into load_state (system, run_id, status, pid, started_at) "
                "values (?, ?, 'running', ?, ?) on conflict (system) do update set "
                "run_id = excluded.run_id, status = 'running', pid = excluded.pid, "
                "started_at = excluded.started_at, finished_at = null, error = null",
                [system, run_id, os.getpid(), at.isoformat()],
            )
    finally:
        con.close()


def mark_finished(
    paths: WarehousePaths, run_id: str, system: str, status: str, at: datetime, error: str | None
) -> None:
    con = _connect(paths)
    try:
        with transaction(con):
            con.execute(
                "update load_state set status = ?, finished_at = ?, error = ?, last_success_at = "
                "case when ? = 'succeeded' then ? else last_success_at end "
                "where system = ? and run_id = ?",
                [status, at.isoformat(), error, status, at.isoformat(), system, run_id],
            )
    finally:
        con.close()


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def latest(paths: WarehousePaths) -> dict[str, LoadState]:
    """System → its latest load (empty before any load); never writes."""
    path = paths.state_file("loads")
    if not path.exists():
        return {}
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        rows = con.execute(
            "select system, run_id, status, pid, started_at, finished_at, error, "
            "last_success_at from load_state order by system"
        ).fetchall()
    except sqlite3.OperationalError:  # created but its table not yet
        return {}
    finally:
        con.close()
    return {
        system: LoadState(
            system,
            run_id,
            "interrupted" if status == "running" and not _alive(pid) else status,
            datetime.fromisoformat(started),
            _time(finished),
            error,
            _time(success),
        )
        for system, run_id, status, pid, started, finished, error, success in rows
    }
