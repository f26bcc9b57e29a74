"""Benchmark the HubSpot stand-in: pages/s of 100 contacts, following paging through the table.

A fresh world (seed 42) is generated in a temp folder and served by the real server process;
1, 2 and 4 client threads (httpx, keep-alive) each page through every contact with
`GET /crm/v3/objects/contacts?limit=100&after=…`. Target: ≥ 300 pages/s with faults off.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from sandbox import control
from sandbox.generator import generate
from sandbox.state import SandboxPaths, read_json

THREADS = (1, 2, 4)


def page_through(base_url: str, token: str) -> int:
    """Pages served while walking the whole contacts table once."""
    pages, after = 0, None
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as client:
        while True:
            params = {"limit": 100, **({"after": after} if after else {})}
            body = client.get("/crm/v3/objects/contacts", params=params).raise_for_status().json()
            pages += 1
            after = body.get("paging", {}).get("next", {}).get("after")
            if not after:
                return pages


def measure(base_url: str, token: str, threads: int) -> float:
    """Pages per second with `threads` clients each walking the table."""
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        pages = sum(pool.map(lambda _: page_through(base_url, token), range(threads)))
    return pages / (time.perf_counter() - started)


def run(scale: str, seed: int = 42) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix=f"bench-sandbox-{scale}-") as root:
        paths = SandboxPaths(Path(root))
        generate(paths, seed=seed, scale=scale)
        token = read_json(paths.credentials_json)["hubspot"]["access_token"]
        with control.running(paths) as info:
            url = info.urls["hubspot"]
            figures: dict[str, float] = {"pages_per_walk": page_through(url, token)}  # warm-up
            for threads in THREADS:
                figures[f"pages_per_s_{threads}_threads"] = round(measure(url, token, threads), 1)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="S")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    for key, value in run(args.scale, args.seed).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
