"""Transform benchmark on a freshly loaded sandbox world: the first `roundtrip transform` (a full
dbt build, every test, publish), then the fixed costs of the steady state — a transform with
nothing new loaded (skipped: no raw table changed) and a warm `roundtrip load` + `roundtrip
transform` that find nothing new — and a forced full rebuild (`--full`, incremental models from
scratch) for comparison."""

from __future__ import annotations

import sys
from typing import Any

from bench.load import bench_project, measure
from sandbox import control


def run(scale: str, seed: int = 42) -> dict[str, Any]:
    with bench_project("transform", scale, seed) as (_root, sandbox, env):
        roundtrip = [sys.executable, "-m", "roundtrip"]
        with control.running(sandbox):
            measure([*roundtrip, "load"], env)
            first, rss = measure([*roundtrip, "transform"], env)
            unchanged, unchanged_rss = measure([*roundtrip, "transform"], env)
            warm_load, _ = measure([*roundtrip, "load"], env)
            warm_transform, _ = measure([*roundtrip, "transform"], env)
        full, _ = measure([*roundtrip, "transform", "--full"], env)
    return {
        "transform_seconds": round(first, 1),
        "transform_peak_rss_mib": round(rss),
        "no_change_transform_seconds": round(unchanged, 1),
        "no_change_transform_peak_rss_mib": round(unchanged_rss),
        "warm_load_transform_seconds": round(warm_load + warm_transform, 1),
        "full_rebuild_seconds": round(full, 1),
    }


def main() -> None:
    scale = sys.argv[1] if len(sys.argv) > 1 else "S"
    for key, value in run(scale).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
