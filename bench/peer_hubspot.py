"""Like-for-like peer ratio: HubSpot contacts, companies and deals loaded by Roundtrip (resource
selection: `roundtrip load hubspot.contacts hubspot.companies hubspot.deals`) and by dlt's
verified HubSpot source, on the same sandbox world and stand-in: seconds, rows, peak RSS.

The verified source is published on GitHub only (dlt-hub/verified-sources, `sources/hubspot`),
so it is not part of this repository: set ROUNDTRIP_BENCH_VERIFIED_SOURCES to a checkout of it
(`git clone https://github.com/dlt-hub/verified-sources`); without it this component reports
itself skipped. bench/peer_hubspot_verified.py points the source's `BASE_URL` at the stand-in and
authenticates with the stand-in's private-app token (sandbox/credentials.json).

Rows are not the same tables on both sides: Roundtrip also loads the associations it reads for
these objects (contact_companies, deal_contacts, deal_companies) and every property; the
verified source loads its default properties plus custom ones, and associations as child
tables of contacts and companies. Both figures are reported per side.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import duckdb

from bench.load import bench_project, measure
from sandbox import control
from sandbox.state import read_json

SOURCE_ENV = "ROUNDTRIP_BENCH_VERIFIED_SOURCES"
HOW_TO_GET = (
    f"set {SOURCE_ENV} to a checkout of https://github.com/dlt-hub/verified-sources "
    "(it holds sources/hubspot)"
)
CRM = ("contacts", "companies", "deals")


def _roundtrip_rows(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse / "roundtrip.duckdb"), read_only=True) as con:
        return dict(
            con.execute(
                "select resource, records from monitor.load_resource_runs "
                "where run_id = (select max(run_id) from monitor.load_runs)"
            ).fetchall()
        )


def _verified(checkout: str, root: Path, url: str, token: str, env: dict[str, str]) -> tuple:
    """(seconds, peak RSS MiB, rows per table) of the verified source's run."""
    work = root / "verified"
    work.mkdir()
    args = [sys.executable, "-m", "bench.peer_hubspot_verified", checkout, url, token, str(work)]
    seconds, rss = measure(args, env)
    return seconds, rss, json.loads((work / "rows.json").read_text())


def run(scale: str, seed: int = 42) -> dict[str, Any]:
    checkout = os.environ.get(SOURCE_ENV)
    if not checkout:
        return {"skipped": HOW_TO_GET}
    if not (Path(checkout) / "sources" / "hubspot" / "__init__.py").exists():
        raise SystemExit(f"{SOURCE_ENV}={checkout} holds no sources/hubspot/__init__.py")
    project = bench_project("peer", scale, seed, systems=("hubspot",))
    with project as (root, sandbox, env), control.running(sandbox):
        url = (read_json(sandbox.server_json) or {})["urls"]["hubspot"]
        token = (read_json(sandbox.credentials_json) or {})["hubspot"]["access_token"]
        ours = [sys.executable, "-m", "roundtrip", "load", *(f"hubspot.{t}" for t in CRM)]
        rt_seconds, rt_rss = measure(ours, env)
        rt_rows = _roundtrip_rows(root / "warehouse")
        v_seconds, v_rss, v_rows = _verified(checkout, root, url, token, env)
    rt_crm = sum(rt_rows.get(t, 0) for t in CRM)
    v_crm = sum(v_rows.get(t, 0) for t in CRM)
    return {
        "roundtrip_seconds": round(rt_seconds, 1),
        "roundtrip_peak_rss_mib": round(rt_rss),
        "roundtrip_object_rows": rt_crm,
        "roundtrip_all_rows": sum(rt_rows.values()),
        "verified_seconds": round(v_seconds, 1),
        "verified_peak_rss_mib": round(v_rss),
        "verified_object_rows": v_crm,
        "verified_all_rows": sum(v_rows.values()),
        "speed_ratio": f"{v_seconds / rt_seconds:.1f}x faster",
        "memory_ratio": f"{rt_rss / v_rss:.2f} of the verified source's",
        "verified_tables": ", ".join(f"{t} {n:,}" for t, n in sorted(v_rows.items())),
    }


def main() -> None:
    for key, value in run(sys.argv[1] if len(sys.argv) > 1 else "S").items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
