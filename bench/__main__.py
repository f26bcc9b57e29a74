"""`python -m bench [NAME…] [--scale S,M]`: run benchmarks and rebuild docs/benchmarks.md."""

from __future__ import annotations

import argparse
import importlib

from bench.harness import save, timed, write_summary

# name -> scales it runs at by default
BENCHMARKS: dict[str, tuple[str, ...]] = {
    "generator": ("S", "M"),
    "sandbox_throughput": ("S",),
    "transport": ("S",),
    "load": ("S", "M"),
    "merge": ("S", "M"),
    "transform": ("S", "M"),
    "report": ("S",),
    "reverse_sync": ("S", "M"),
    "realtime": ("S",),
    "two_way_sync": ("S", "M"),
    "peer_hubspot": ("S", "M"),  # skipped without ROUNDTRIP_BENCH_VERIFIED_SOURCES
}
# run only when named (too long for every `make bench`), e.g. `python -m bench roundtrip --scale L`
ON_REQUEST: dict[str, tuple[str, ...]] = {"roundtrip": ("M",)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=f"default: all of {', '.join(BENCHMARKS)}")
    parser.add_argument("--scale", help="comma-separated scales, overriding each default")
    args = parser.parse_args()
    known = {**BENCHMARKS, **ON_REQUEST}
    unknown = set(args.names) - set(known)
    if unknown:
        parser.error(
            f"unknown benchmark(s) {', '.join(sorted(unknown))}; accepted: {', '.join(known)}"
        )
    for name in args.names or list(BENCHMARKS):
        scales = args.scale.split(",") if args.scale else known[name]
        module = importlib.import_module(f"bench.{name}")
        for scale in scales:
            print(f"==> {name} at scale {scale}", flush=True)
            figures, seconds = timed(module.run, scale)
            if "skipped" in figures:  # a component that cannot run here keeps its last result
                print(f"    skipped: {figures['skipped']}")
                continue
            path = save(name, scale, figures, seconds)
            for key, value in figures.items():
                print(f"    {key}: {value}")
            print(f"    -> {path}")
    write_summary()


if __name__ == "__main__":
    main()
