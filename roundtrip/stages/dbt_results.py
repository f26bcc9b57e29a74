"""Keep dbt's `run_results.json` whole across selective builds: a build that ran only some nodes
gets the last result of every other node still in the project, marked `carried_from` (the time
of the build that produced it), so the dbt_tests health check sees a result for every test."""

from __future__ import annotations

import json
from pathlib import Path

RUN_RESULTS = "run_results.json"


def read_results(target_dir: Path) -> dict | None:
    """The run results a build left in `target_dir`, or None (none, or not readable)."""
    try:
        data = json.loads((target_dir / RUN_RESULTS).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("results"), list) else None


def carry_forward(target_dir: Path, previous: dict | None) -> int:
    """Add to the build's run results the previous results of the project's nodes it did not
    run; returns how many were carried."""
    current = read_results(target_dir)
    if current is None or previous is None:
        return 0
    manifest = json.loads((target_dir / "manifest.json").read_text())
    known = {uid for part in ("nodes", "unit_tests", "exposures") for uid in manifest.get(part, {})}
    ran = {node["unique_id"] for node in current["results"]}
    built_at = previous.get("metadata", {}).get("generated_at")
    carried = [
        {**node, "carried_from": node.get("carried_from", built_at)}
        for node in previous["results"]
        if node.get("unique_id") in known and node["unique_id"] not in ran
    ]
    current["results"].extend(carried)
    (target_dir / RUN_RESULTS).write_text(json.dumps(current))
    return len(carried)
