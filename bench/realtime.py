"""Real-time path benchmark: `roundtrip serve` on a generated world (HubSpot and Salesforce).

Figures:
- receiver: signed website form posts as fast as 32 concurrent clients send them, each committed
  to the inbox before its 202: accepted posts/s and ack latency p50/p99 (client and server share
  this machine's 2 cores);
- the worker draining those posts into Salesforce (Lead upserts, Campaign members): events/s;
- a burst of 50 activities/s for 60 s from `roundtrip sandbox simulate` (80 % website forms,
  20 % HubSpot clicks and form submissions delivered as signed webhooks): submitted → Salesforce
  record written, p50/p95/max seconds, lost events and duplicate Leads against the simulation's
  truth;
- kill -9 trials: `roundtrip serve` killed at a seeded random moment during a 20/s burst, then
  restarted, ten times: lost and duplicated in effect (Leads, Tasks) over all trials;
- peak RSS of `roundtrip serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import psutil

from bench.load import CRM_ONLY, bench_project
from sandbox import control
from sandbox.simulate import sign
from sandbox.state import SandboxPaths, read_json

RECEIVER_POSTS = 3000
CONCURRENCY = 32
BURST = (50, 60)  # activities per second, seconds
KILL_TRIALS = 10


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _simulate(url: str, rate: float, seconds: float, seed: int) -> list[str]:
    return [sys.executable, "-m", "roundtrip", "sandbox", "simulate", "--target", url,
            "--events-per-second", str(rate), "--seconds", str(seconds), "--seed", str(seed)]  # fmt: skip


class Serve:
    """`roundtrip serve` on a fixed port, so a restarted one is where the website posts."""

    def __init__(self, root: Path, env: dict[str, str], port: int) -> None:
        self.info = root / "warehouse" / "state" / "serve.json"
        self.info.unlink(missing_ok=True)
        self.process = psutil.Popen(
            [sys.executable, "-m", "roundtrip", "serve", "--port", str(port), "--no-scheduler"],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=(root / "serve.log").open("a"),
        )  # fmt: skip
        self.peak = 0.0
        _wait(lambda: self.info.exists(), "serve to listen")
        self.url = json.loads(self.info.read_text())["url"]

    def sample(self) -> None:
        with contextlib.suppress(psutil.Error):
            self.peak = max(self.peak, self.process.memory_info().rss / 2**20)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=120)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)


def _wait(predicate: Any, what: str, timeout: float = 600.0, tick: Any = None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        if tick:
            tick()
        time.sleep(0.1)


def _inbox(root: Path) -> sqlite3.Connection:
    return sqlite3.connect(root / "warehouse" / "state" / "events.sqlite", timeout=30)


def _unfinished(root: Path) -> int:
    con = _inbox(root)
    try:
        return con.execute("select count(*) from inbox where status = 'pending'").fetchone()[0]
    finally:
        con.close()


def _missing(root: Path, sandbox: SandboxPaths) -> int:
    """Activities the simulation made (and the receiver or HubSpot accepted) not yet applied."""
    expected = {(t["source"], t["event_id"]) for t in _truth(sandbox) if t["status"] in (200, 202)}
    con = _inbox(root)
    try:
        done = set(
            con.execute("select source, event_id from inbox where status = 'done'").fetchall()
        )
    finally:
        con.close()
    return len(expected - done)


def _truth(sandbox: SandboxPaths) -> list[dict[str, Any]]:
    path = sandbox.root / "simulated.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


async def _post_forms(url: str, secret: str, count: int) -> list[float]:
    """Send `count` signed posts over CONCURRENCY keep-alive connections; each ack's latency.

    Raw HTTP/1.1 on asyncio streams: a full HTTP client costs more CPU per request than the
    receiver does, and on 2 shared cores it would measure itself."""
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    queue = list(range(count))

    def request(n: int) -> bytes:
        body = json.dumps({"email": f"bench{n}@throughput.example", "firstname": "Bench",
                           "lastname": f"No{n}", "company": "Throughput Inc",
                           "submission_id": f"bench-{n}"}).encode()  # fmt: skip
        headers = {"Host": f"{host}:{port}", "Content-Type": "application/json",
                   "Content-Length": str(len(body)),
                   "X-Forwarded-For": f"10.{n // 65536}.{n // 256 % 256}.{n % 256}",
                   **sign(secret, body, int(time.time()))}  # fmt: skip
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        return f"POST /forms/demo-request HTTP/1.1\r\n{head}\r\n".encode() + body

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while queue:
                n = queue.pop()
                payload = request(n)
                started = time.perf_counter()
                writer.write(payload)
                status_line = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                if b" 202 " not in status_line:
                    raise RuntimeError(f"post {n}: {status_line!r}")
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(CONCURRENCY)))
    return latencies


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def _latencies(root: Path, event_ids: set[str]) -> list[float]:
    con = _inbox(root)
    try:
        rows = con.execute(
            "select event_id, (julianday(applied_at) - julianday(occurred_at)) * 86400 "
            "from inbox where status = 'done'"
        ).fetchall()
    finally:
        con.close()
    return [seconds for event_id, seconds in rows if event_id in event_ids]


def _effects(sandbox: SandboxPaths, truth: list[dict[str, Any]], root: Path) -> dict[str, int]:
    """Lost (accepted by nobody or never applied) and duplicated effects, from the truth."""
    accepted = {(t["source"], t["event_id"]) for t in truth if t["status"] in (200, 202)}
    con = _inbox(root)
    try:
        done = {
            (s, e)
            for s, e in con.execute("select source, event_id from inbox where status = 'done'")
        }
    finally:
        con.close()
    emails = {t["email"].strip().lower() for t in truth if t["source"] == "website"}
    with duckdb.connect(str(sandbox.world_db), read_only=True) as world:
        leads = dict(world.execute(
            'select lower(trim("Email")), count(*) from salesforce_lead where not "IsDeleted" group by 1'
        ).fetchall())  # fmt: skip
        tasks = world.execute(
            'select count(*) from (select "Roundtrip_Event_Id__c" from salesforce_task '
            "group by 1 having count(*) > 1)"
        ).fetchone()[0]
    return {
        "lost": len(accepted - done),
        "lost_hubspot": len({a for a in accepted - done if a[0] == "hubspot"}),
        "website_posts_not_accepted": sum(1 for t in truth if t["status"] not in (200, 202)),
        "people_without_lead": sum(1 for e in emails if leads.get(e, 0) == 0),
        "duplicate_leads": sum(1 for e in emails if leads.get(e, 0) > 1),
        "duplicate_tasks": tasks,
    }


def run(scale: str, seed: int = 42) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with bench_project("realtime", scale, seed, CRM_ONLY) as (root, sandbox, env):
        # HubSpot retries a failed delivery after 1 min, 2 min, …; the kill trials wait 0.6 s, 1.2 s, …
        # (the stand-ins are started by this process, so the setting goes to its environment)
        os.environ["ROUNDTRIP_SANDBOX_WEBHOOK_RETRY_SCALE"] = "0.01"
        secret = (read_json(sandbox.credentials_json) or {})["website"]["form_secret"]
        port = _free_port()
        with control.running(sandbox):
            serve = Serve(root, env, port)
            started = time.perf_counter()
            acks = asyncio.run(_post_forms(serve.url, secret, RECEIVER_POSTS))
            receiving = time.perf_counter() - started
            _wait(
                lambda: _unfinished(root) == 0, "the worker to drain the posts", tick=serve.sample
            )
            draining = time.perf_counter() - started
            figures["receiver_posts_per_s"] = round(RECEIVER_POSTS / receiving)
            figures["receiver_ack_p50_ms"] = round(statistics.median(acks) * 1000, 1)
            figures["receiver_ack_p99_ms"] = round(_quantile(acks, 0.99) * 1000, 1)
            figures["worker_events_per_s"] = round(RECEIVER_POSTS / draining)

            rate, seconds = BURST
            burst = subprocess.Popen(
                _simulate(serve.url, rate, seconds, seed), cwd=root, env=env,
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
            _wait(lambda: burst.poll() is not None, "the burst", tick=serve.sample)
            truth = _truth(sandbox)
            ids = {t["event_id"] for t in truth}
            _wait(
                lambda: _missing(root, sandbox) == 0, "the burst to be applied", tick=serve.sample
            )
            seconds_to_salesforce = _latencies(root, ids)
            figures["burst_activities"] = len(truth)
            figures["burst_to_salesforce_p50_s"] = round(
                statistics.median(seconds_to_salesforce), 2
            )
            figures["burst_to_salesforce_p95_s"] = round(_quantile(seconds_to_salesforce, 0.95), 2)
            figures["burst_to_salesforce_max_s"] = round(max(seconds_to_salesforce), 2)
            serve.stop()
            figures["serve_peak_rss_mib"] = round(serve.peak)

            chooser = random.Random(seed)
            for _ in range(KILL_TRIALS):
                serve = Serve(root, env, port)
                trial = subprocess.Popen(
                    _simulate(serve.url, 20, 5, chooser.getrandbits(16)), cwd=root, env=env,
                    stdout=subprocess.DEVNULL,
                )  # fmt: skip
                time.sleep(chooser.uniform(1.0, 4.0))  # the kill's moment is the experiment
                serve.kill()
                serve = Serve(root, env, port)
                trial.wait(timeout=300)
                _wait(lambda: _missing(root, sandbox) == 0, "the trial to be applied")
                serve.stop()
        figures["kill_trials"] = KILL_TRIALS
        effects = _effects(sandbox, _truth(sandbox), root)
        figures.update({f"all_runs_{k}": v for k, v in effects.items()})
    return figures
