"""Load benchmark: `roundtrip load` against a generated sandbox world.

Figures at a scale: wall seconds and records/s per system and in total, peak RSS of the load
process; the fixed costs of a no-change incremental load (median wall and CPU seconds of five,
its share of the full load, the interpreter start with the load's imports; with
ROUNDTRIP_BENCH_BASELINE=<checkout of an earlier Roundtrip>, the same figures for that code,
interleaved); HubSpot + Salesforce loaded
ours vs the naive way (dict rows through dlt's default loader, see `bench.naive_load`); and a
HubSpot load with the sandbox's rate limit on (100 requests / 10 s): achieved share of the
allowed request rate and failed requests.
"""

from __future__ import annotations

import contextlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import psutil

from bench.naive_load import SYSTEMS as NAIVE_SYSTEMS
from connectors.registry import SYSTEMS
from sandbox import control
from sandbox.generator import generate
from sandbox.state import SandboxPaths

REPO = Path(__file__).resolve().parents[1]
RATE_LIMIT = (100, 10)  # HubSpot Free/Starter: 100 requests per 10 s


def project_env(root: Path, warehouse: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "ROUNDTRIP_"))}
    env.update(
        ROUNDTRIP_SANDBOX_DIR=str(root / "sandbox"),
        ROUNDTRIP_WAREHOUSE_DIR=str(root / warehouse),
        ROUNDTRIP_CONFIG=str(root / "roundtrip.toml"),
        PYTHONSAFEPATH="1",  # the working folder's `sandbox/` must not shadow the package
        PYTHONPATH=str(REPO),  # `python -m bench.…` from any folder (bench is not installed)
    )
    return env


CRM_ONLY = ("hubspot", "salesforce")


@contextlib.contextmanager
def bench_project(
    name: str, scale: str, seed: int, systems: Iterable[str] | None = None
) -> Iterator[tuple[Path, SandboxPaths, dict[str, str]]]:
    """A throw-away project: a world generated at `scale`, an empty warehouse, and the CLI's
    environment for it (only `systems` enabled, when given): (root, sandbox, env)."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-{scale}-") as tmp:
        root = Path(tmp)
        (root / "roundtrip.toml").write_text("")
        sandbox = SandboxPaths(root / "sandbox")
        generate(sandbox, seed=seed, scale=scale)
        env = project_env(root, "warehouse")
        if systems is not None:
            env.update(
                {f"ROUNDTRIP_{s.upper()}_ENABLED": "false" for s in SYSTEMS if s not in systems}
            )
        yield root, sandbox, env


def measure(args: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS MiB of it and its children).

    Its log goes to a file: a pipe nobody reads while it runs would block the command once its
    buffer (64 KiB) is full, and the wait would be measured as load time."""
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        proc = psutil.Popen(args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=log)
        peak = 0
        while proc.poll() is None:
            try:
                family = [proc, *proc.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in family if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        if proc.returncode != 0:
            log.seek(0)
            raise RuntimeError(f"{' '.join(args)} failed:\n{log.read().decode()[-3000:]}")
    return seconds, peak / 2**20


def _last_run(warehouse: Path) -> list[tuple]:
    """Per system of the latest run: records, requests, retries, seconds spent extracting,
    normalizing and loading it (a system also waits while the one before it loads), extract
    seconds."""
    with duckdb.connect(str(warehouse / "roundtrip.duckdb"), read_only=True) as con:
        return con.execute(
            "select r.system, sum(rr.records), sum(rr.requests), sum(rr.retries), "
            "max(r.extract_seconds + r.normalize_seconds + r.load_seconds), "
            "max(r.extract_seconds) "
            "from monitor.load_runs r join monitor.load_resource_runs rr using (run_id, system) "
            "where r.run_id = (select max(run_id) from monitor.load_runs) group by r.system "
            "order by r.system"
        ).fetchall()


def run(scale: str, seed: int = 42) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with bench_project("load", scale, seed) as (root, sandbox, env):
        roundtrip = [sys.executable, "-m", "roundtrip", "load"]
        with control.running(sandbox):  # servers up once, outside the measured processes
            seconds, rss = measure(roundtrip, env)
            total_records = 0
            for system, records, requests, _retries, system_seconds, _extract in _last_run(
                root / "warehouse"
            ):
                total_records += records
                figures[f"{system}_records"] = int(records)
                figures[f"{system}_records_per_s"] = round(records / system_seconds)
                figures[f"{system}_requests"] = int(requests)
            figures["full_load_seconds"] = round(seconds, 1)
            figures["full_load_records"] = int(total_records)
            figures["full_load_records_per_s"] = round(total_records / seconds)
            figures["full_load_peak_rss_mib"] = round(rss)

            figures.update(_no_change(root, roundtrip, env, seconds))

            crm, crm_rss = measure([*roundtrip, *NAIVE_SYSTEMS], project_env(root, "crm"))
            naive = [sys.executable, "-m", "bench.naive_load"]
            naive_seconds, naive_rss = measure(naive, project_env(root, "naive"))
            figures["crm_load_seconds"] = round(crm, 1)
            figures["crm_load_peak_rss_mib"] = round(crm_rss)
            figures["naive_crm_load_seconds"] = round(naive_seconds, 1)
            figures["naive_crm_load_peak_rss_mib"] = round(naive_rss)
            figures["speedup_vs_naive"] = f"{naive_seconds / crm:.1f}x"

        figures.update(_rate_limited_hubspot(root, sandbox))
    return figures


NO_CHANGE_RUNS = 5
BASELINE_ENV = "ROUNDTRIP_BENCH_BASELINE"  # a checkout of an earlier Roundtrip to compare with


def _timed_cpu(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of one run of `args`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, _ = measure(args, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def _no_change(
    root: Path, roundtrip: list[str], env: dict[str, str], full_seconds: float
) -> dict[str, Any]:
    """The fixed costs of a load with nothing to do: median wall and CPU seconds of
    NO_CHANGE_RUNS no-change loads, the interpreter start plus the load's imports, and — with
    ROUNDTRIP_BENCH_BASELINE set to a checkout of an earlier Roundtrip — the same no-change load
    by that code (on a warehouse of its own, loaded by it), interleaved run by run so both see
    the same machine."""
    imports = [sys.executable, "-c", "import roundtrip.cli, roundtrip.stages.load"]
    baseline = os.environ.get(BASELINE_ENV)
    base_env = {}
    if baseline:
        base_env = {**project_env(root, "baseline"), "PYTHONPATH": baseline}
        measure(roundtrip, base_env)  # its full load
    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    for _ in range(NO_CHANGE_RUNS):
        ours.append(_timed_cpu(roundtrip, env))
        if baseline:
            theirs.append(_timed_cpu(roundtrip, base_env))
    wall = statistics.median(w for w, _ in ours)
    figures: dict[str, Any] = {
        "no_change_load_seconds": round(wall, 1),
        "no_change_load_cpu_seconds": round(statistics.median(c for _, c in ours), 1),
        "no_change_share_of_full": f"{wall / full_seconds:.0%}",
        "start_and_imports_seconds": round(
            statistics.median(_timed_cpu(imports, env)[0] for _ in range(3)), 1
        ),
    }
    if theirs:
        commit = subprocess.run(
            ["git", "-C", baseline, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        figures["baseline"] = commit or baseline
        figures["baseline_no_change_load_seconds"] = round(
            statistics.median(w for w, _ in theirs), 1
        )
        figures["baseline_no_change_load_cpu_seconds"] = round(
            statistics.median(c for _, c in theirs), 1
        )
    return figures


def _rate_limited_hubspot(root: Path, sandbox: SandboxPaths) -> dict[str, Any]:
    """Load HubSpot with the stand-in enforcing 100 requests / 10 s."""
    limit, window = RATE_LIMIT
    env = project_env(root, "rate_limited")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "roundtrip",
            "sandbox",
            "faults",
            "hubspot",
            f"rate_limit={limit}/{window}",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    with control.running(sandbox):
        measure([sys.executable, "-m", "roundtrip", "load", "hubspot"], env)
    rows = _last_run(root / "rate_limited")
    _system, _records, requests, retries, _seconds, extract_seconds = rows[0]
    allowed = limit / window
    return {
        "rate_limited_hubspot_requests": int(requests),
        "rate_limited_hubspot_extract_seconds": round(extract_seconds, 1),
        "rate_limited_share_of_allowed_rate": f"{requests / extract_seconds / allowed:.1%}",
        "rate_limited_failed_or_retried_requests": int(retries),
    }


def main() -> None:
    scale = sys.argv[1] if len(sys.argv) > 1 else "S"
    for key, value in run(scale).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
