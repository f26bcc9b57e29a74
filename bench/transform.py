"""Transform benchmark: wall time of `roundtrip transform` (dbt build, every test, publish) on a
freshly loaded sandbox world, and of a second run with nothing new loaded."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.load import measure, project_env
from sandbox import control
from sandbox.generator import generate
from sandbox.state import SandboxPaths


def run(scale: str, seed: int = 42) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bench-transform-{scale}-") as tmp:
        root = Path(tmp)
        (root / "roundtrip.toml").write_text("")
        sandbox = SandboxPaths(root / "sandbox")
        generate(sandbox, seed=seed, scale=scale)
        env = project_env(root, "warehouse")
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
