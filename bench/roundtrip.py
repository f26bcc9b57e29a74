"""The whole round trip at one scale, each stage a `roundtrip` process as a user runs it:
generate the world, full load, transform, first full sync (HubSpot at its Pro rate limit of
190 requests per 10 s, as in bench/reverse_sync.py), health; then `sandbox advance --days 1`
and the incremental round trip (load, transform, sync, health). Both syncs run at that limit and
both loads without it, so the incremental round trip is compared with the full one like for
like.

Per stage: wall seconds, records/s where a stage moves records (load: rows loaded; sync: records
accepted by the vendors), the peak RSS of its process tree (sampled every 50 ms: the largest
sum over the tree, and the largest single process) and the warehouse's size on disk after it.
Targets (issue #18): every stage ≤ 1 GiB; the incremental round trip ≤ 10 % of the full one; the
first HubSpot sync ≥ 95 % of what the rate limit allows. At L it takes long (not in the default
`make bench` list): `python -m bench roundtrip --scale L`.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import psutil

from bench.load import project_env
from bench.reverse_sync import BATCH, RATE_LIMIT, SYNC, _last_run
from sandbox import control
from sandbox.state import SandboxPaths

TARGET_RSS_MIB = 1024
ROUNDTRIP = [sys.executable, "-m", "roundtrip"]


def measure_tree(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run a command; (wall seconds, peak RSS MiB of its process tree, of its largest process)."""
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        proc = psutil.Popen(args, env=env, stdout=log, stderr=log)
        tree_peak = single_peak = 0
        while proc.poll() is None:
            try:
                sizes = [p.memory_info().rss for p in [proc, *proc.children(recursive=True)]]
                tree_peak, single_peak = max(tree_peak, sum(sizes)), max(single_peak, *sizes)
            except psutil.Error:
                pass
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        if proc.returncode not in (0, 1):  # health exits 1 on a Low/Medium finding
            log.seek(0)
            raise RuntimeError(f"{' '.join(args)} failed:\n{log.read().decode()[-3000:]}")
    return seconds, tree_peak / 2**20, single_peak / 2**20


def disk_mib(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def loaded_records(warehouse: Path) -> int:
    """Rows the latest load wrote, from the monitor's load runs (published)."""
    with duckdb.connect(str(warehouse / "roundtrip.duckdb"), read_only=True) as con:
        return con.execute(
            "select coalesce(sum(records), 0) from monitor.load_resource_runs where run_id = "
            "(select run_id from monitor.load_runs order by started_at desc limit 1)"
        ).fetchone()[0]


def run(scale: str, seed: int = 42) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    stage_seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix=f"bench-roundtrip-{scale}-") as tmp:
        root = Path(tmp)
        (root / "roundtrip.toml").write_text("")
        env = project_env(root, "warehouse")
        warehouse = root / "warehouse"

        def stage(name: str, *args: str) -> float:
            seconds, tree, single = measure_tree([*ROUNDTRIP, *args], env)
            stage_seconds[name] = seconds
            figures[f"{name}_seconds"] = round(seconds, 1)
            figures[f"{name}_peak_rss_mib"] = f"{tree:.0f} (largest process {single:.0f})"
            figures[f"{name}_within_1_gib"] = tree <= TARGET_RSS_MIB
            if warehouse.exists():
                figures[f"{name}_warehouse_mib"] = round(disk_mib(warehouse))
            return seconds

        seconds = stage("generate", "sandbox", "reset", "--seed", str(seed), "--scale", scale)
        limit, window = RATE_LIMIT
        limits = f"rate_limit={limit}/{window}"
        with control.running(SandboxPaths(root / "sandbox")):
            for prefix in ("full", "incremental"):
                if prefix == "incremental":
                    stage("advance", "sandbox", "advance", "--days", "1")
                seconds = stage(f"{prefix}_load", "load")
                figures[f"{prefix}_load_records_per_s"] = round(loaded_records(warehouse) / seconds)
                stage(f"{prefix}_transform", "transform")
                # the syncs, and only they, against HubSpot Pro's limit: both loads run alike
                measure_tree([*ROUNDTRIP, "sandbox", "faults", "hubspot", limits], env)
                stage(f"{prefix}_sync", "sync")
                measure_tree([*ROUNDTRIP, "sandbox", "faults", "hubspot", "rate_limit=off"], env)
                synced = _last_run(warehouse)
                sending = synced["seconds"] - synced["diff_seconds"]
                figures[f"{prefix}_{SYNC}_accepted"] = synced["accepted"]
                if prefix == "full" and sending > 0:
                    rate = synced["accepted"] / sending
                    figures["full_sync_hubspot_records_per_s"] = round(rate)
                    figures["full_sync_share_of_rate_limit"] = (
                        f"{rate / (limit / window * BATCH):.0%} (target ≥ 95 %)"
                    )
                    figures["full_sync_hubspot_requests_per_s"] = round(
                        synced["requests"] / sending, 1
                    )
                stage(f"{prefix}_health", "health")
    full = sum(stage_seconds[f"full_{s}"] for s in ("load", "transform", "sync", "health"))
    incremental = sum(
        stage_seconds[f"incremental_{s}"] for s in ("load", "transform", "sync", "health")
    )
    figures["full_round_trip_seconds"] = round(full, 1)
    figures["incremental_round_trip_seconds"] = round(incremental, 1)
    figures["incremental_share_of_full"] = f"{incremental / full:.0%} (target ≤ 10 %)"
    return figures


def main() -> None:
    for key, value in run(sys.argv[1] if len(sys.argv) > 1 else "S").items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
