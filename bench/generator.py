"""Benchmark the sandbox generator: time `generate` (and one `advance`) per scale, print records/s."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from sandbox.generator import advance, generate
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


def run(scale: str, seed: int = 42, advance_days: int = 7) -> dict[str, float]:
    """Generate one world at `scale` in a temp folder; returns seconds, records and records/s."""
    with tempfile.TemporaryDirectory(prefix=f"bench-generator-{scale}-") as root:
        paths = SandboxPaths(Path(root))
        start = time.perf_counter()
        generate(paths, seed=seed, scale=scale)
        seconds = time.perf_counter() - start
        records = count_records(paths)
        start = time.perf_counter()
        advance(paths, advance_days)
        advance_seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "records": records,
        "records_per_s": records / seconds,
        "advance_seconds": advance_seconds,
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
            f"generator scale={scale}: generate {r['seconds']:.1f} s, {r['records']:,} records, "
            f"{r['records_per_s']:,.0f} records/s; advance {args.advance_days} d {r['advance_seconds']:.1f} s"
        )


if __name__ == "__main__":
    main()
