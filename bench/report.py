"""Report benchmark: wall time of `roundtrip report` (what `make report` runs) on a freshly loaded
and transformed sandbox world; the target at scale S is under 10 s."""

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
    with tempfile.TemporaryDirectory(prefix=f"bench-report-{scale}-") as tmp:
        root = Path(tmp)
        (root / "roundtrip.toml").write_text("")
        sandbox = SandboxPaths(root / "sandbox")
        generate(sandbox, seed=seed, scale=scale)
        env = project_env(root, "warehouse")
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
