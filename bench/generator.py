"""Benchmark the sandbox generator: `roundtrip sandbox reset` (and one `advance`) per scale, each in
its own process: wall seconds (interpreter start included), records/s and peak RSS."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from bench.load import measure, project_env
from sandbox.state import SandboxPaths


def count_records(paths: SandboxPaths) -> int:
    """Rows in every table of world.duckdb and truth.duckdb."""
    total = 0
    for db in (paths.world_db, paths.truth_db):
        con = duckdb.connect(str(db), read_only=True)
        try:
            tables = [
                r[0]
                for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
            ]
            total += sum(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables)
        finally:
            con.close()
    return total


def sandbox_command(root: Path, *args: str) -> tuple[float, float]:
    """Run `roundtrip sandbox ARGS…` on the project in `root`: (wall seconds, peak RSS MiB)."""
    return measure([sys.executable, "-m", "roundtrip", "sandbox", *args], project_env(root, "wh"))


def run(scale: str, seed: int = 42, advance_days: int = 7) -> dict[str, Any]:
    """Generate one world at `scale` in a temp folder, then advance it: seconds, records, peak RSS."""
    with tempfile.TemporaryDirectory(prefix=f"bench-generator-{scale}-") as tmp:
        root = Path(tmp)
        (root / "roundtrip.toml").write_text("")
        seconds, rss = sandbox_command(root, "reset", "--seed", str(seed), "--scale", scale)
        records = count_records(SandboxPaths(root / "sandbox"))
        advance_seconds, advance_rss = sandbox_command(root, "advance", "--days", str(advance_days))
    return {
        "seconds": round(seconds, 1),
        "records": records,
        "records_per_s": round(records / seconds),
        "peak_rss_mib": round(rss),
        "advance_days": advance_days,
        "advance_seconds": round(advance_seconds, 1),
        "advance_peak_rss_mib": round(advance_rss),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--scales", nargs="+", default=["S", "M"], help="scales to time (default: S M)"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--advance-days", type=int, default=1, help="days for the timed advance")
    args = parser.parse_args(argv)
    for scale in args.scales:
        r = run(scale, args.seed, args.advance_days)
        print(
            f"generator scale={scale}: generate {r['seconds']} s, {r['records']:,} records, "
            f"{r['records_per_s']:,} records/s, peak {r['peak_rss_mib']:,} MiB; "
            f"advance {args.advance_days} d {r['advance_seconds']} s, "
            f"peak {r['advance_peak_rss_mib']:,} MiB"
        )


if __name__ == "__main__":
    main()
