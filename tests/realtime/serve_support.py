"""Running `roundtrip serve` as a user would, for the end-to-end tests, and reading its results."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable

import duckdb

from tests.conftest import Project


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    """Poll an observable condition (a file, a row count); fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


STARTED: list[subprocess.Popen] = []  # killed after each test (tests/realtime/conftest.py)


class Serve:
    """One `roundtrip serve` process of a project."""

    def __init__(self, project: Project, *args: str, port: int = 0, **env: str) -> None:
        self.project = project
        self.info = project.warehouse / "state" / "serve.json"
        self.log = project.root / "serve.log"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "roundtrip",
                "serve",
                "--port",
                str(port),
                "--no-scheduler",
                *args,
            ],
            cwd=project.root,
            env={**project.env, **env},
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
        )
        STARTED.append(self.process)
        wait_until(self.listening, "roundtrip serve to listen (serve.json)")

    def listening(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(
                f"roundtrip serve exited {self.process.returncode}:\n{self.log.read_text()[-3000:]}"
            )
        try:
            return json.loads(self.info.read_text())["pid"] == self.process.pid
        except (FileNotFoundError, ValueError, KeyError):
            return False

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=120)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def inbox(project: Project) -> sqlite3.Connection:
    return sqlite3.connect(project.warehouse / "state" / "events.sqlite", timeout=30)


def truth(project: Project) -> list[dict]:
    path = project.sandbox.root / "simulated.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def all_applied(project: Project) -> bool:
    """Every activity the simulation made is in the inbox and finished (done or dead)."""
    expected = {(t["source"], t["event_id"]) for t in truth(project) if t["status"] in (200, 202)}
    if not expected:
        return False
    con = inbox(project)
    try:
        rows = con.execute("select source, event_id, status from inbox").fetchall()
    finally:
        con.close()
    finished = {(s, e) for s, e, status in rows if status in ("done", "dead")}
    return expected <= finished


def world(project: Project) -> duckdb.DuckDBPyConnection:
    """The sandbox world, read-only (only while the stand-ins are stopped)."""
    return duckdb.connect(str(project.sandbox.world_db), read_only=True)


def sandbox_running(project: Project) -> bool:
    return (project.sandbox.root / "server.json").exists()


def leads_per_email(project: Project) -> dict[str, int]:
    with world(project) as con:
        rows = con.execute(
            'select lower(trim("Email")), count(*) from salesforce_lead where not "IsDeleted" '
            "group by 1"
        ).fetchall()
    return dict(rows)
