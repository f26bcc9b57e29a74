"""Transform benchmark: wall time of `roundtrip transform` (dbt build, every test, publish) on a
freshly loaded sandbox world, and of a second run with nothing new loaded."""

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
        again, _ = measure([*roundtrip, "transform"], env)
    return {
        "transform_seconds": round(first, 1),
        "transform_peak_rss_mib": round(rss),
        "second_transform_seconds": round(again, 1),
    }


def main() -> None:
    scale = sys.argv[1] if len(sys.argv) > 1 else "S"
    for key, value in run(scale).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
