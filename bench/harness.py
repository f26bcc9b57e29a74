"""Shared plumbing for benchmarks: run one, keep its figures, summarise them in docs/benchmarks.md.

A benchmark is a module in bench/ with `run(scale: str) -> dict[str, object]` returning its
figures (numbers and short strings). Results go to `bench/results/<name>-<scale>.json`; the
summary page is rebuilt from every result file there.
"""

from __future__ import annotations

import json
import platform
import resource
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SUMMARY = ROOT / "docs" / "benchmarks.md"


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def save(name: str, scale: str, figures: dict[str, Any], seconds: float) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}-{scale}.json"
    record = {
        "benchmark": name,
        "scale": scale,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "wall_seconds": round(seconds, 2),
        "figures": figures,
    }
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    return path


def timed(fn, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def write_summary() -> None:
    """Rebuild docs/benchmarks.md from every result file."""
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` from `bench/results/*.json`; do not edit by hand.",
        "Machine: 2 cores, 24 GiB (the project's standard size).",
        "",
    ]
    for path in sorted(RESULTS.glob("*.json")):
        record = json.loads(path.read_text())
        lines += [
            f"## {record['benchmark']} — scale {record['scale']}",
            "",
            f"Measured {record['measured_at']} ({record['machine']}), {record['wall_seconds']} s in all.",
            "",
            "| figure | value |",
            "|---|---|",
        ]
        lines += [f"| {key} | {value} |" for key, value in record["figures"].items()]
        lines.append("")
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text("\n".join(lines))
