"""Report benchmark: wall time of `roundtrip report` (what `make report` runs) on a freshly loaded
and transformed sandbox world; the target at scale S is under 10 s."""

from __future__ import annotations

import sys
from typing import Any

from bench.load import bench_project, measure
from sandbox import control


def run(scale: str, seed: int = 42) -> dict[str, Any]:
    with bench_project("report", scale, seed) as (root, sandbox, env):
        roundtrip = [sys.executable, "-m", "roundtrip"]
        with control.running(sandbox):
            measure([*roundtrip, "load"], env)
        measure([*roundtrip, "transform"], env)
        seconds, rss = measure([*roundtrip, "report"], env, cwd=root)
        size = (root / "docs" / "report.html").stat().st_size
    return {
        "report_seconds": round(seconds, 1),
        "report_peak_rss_mib": round(rss),
        "report_html_mib": round(size / 2**20, 1),
    }


def main() -> None:
    scale = sys.argv[1] if len(sys.argv) > 1 else "S"
    for key, value in run(scale).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
