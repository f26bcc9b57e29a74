"""Reverse-sync benchmark: `roundtrip sync hubspot_contact_scores` against a generated world.

Figures at a scale (HubSpot and Salesforce loaded and transformed first; other systems off):
- a first full sync with the sandbox's HubSpot rate limit at the Pro tier (190 requests per
  10 s): records/s while sending, as a share of the 1,900 records/s that limit allows, failed
  and retried requests, peak RSS of the sync process (at S the ~97 requests fit in one window,
  so the share exceeds 100 %: only M is rate-bound);
- a second sync with nothing changed: diff seconds (reconciliation + plan) and requests;
- a sync after 10 % of the contacts' scores changed: diff seconds, planned and sent records.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

import duckdb

from bench.load import CRM_ONLY, bench_project, measure
from sandbox import control

SYNC = "hubspot_contact_scores"
RATE_LIMIT = (190, 10)  # HubSpot Pro / Enterprise: 190 requests per rolling 10 s
BATCH = 100


def _last_run(warehouse: Path) -> dict[str, Any]:
    con = sqlite3.connect(warehouse / "state" / "reverse.sqlite")
    con.row_factory = sqlite3.Row
    row = con.execute(
        "select * from sync_runs where sync = ? order by started_at desc limit 1", [SYNC]
    ).fetchone()
    con.close()
    return dict(row)


def _change_tenth_of_scores(published: Path) -> int:
    """Bump the lead score of every tenth HubSpot contact in the published model."""
    os.chmod(published, 0o644)
    try:
        with duckdb.connect(str(published)) as con:
            return con.execute(
                "update marts.crm_record_scores set lead_score = lead_score + 1 "
                "where crm_system = 'hubspot' and hash(crm_record_id) % 10 = 0"
            ).fetchall()[0][0]
    finally:
        os.chmod(published, 0o444)


def run(scale: str, seed: int = 42) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with bench_project("reverse", scale, seed, CRM_ONLY) as (root, sandbox, env):
        roundtrip = [sys.executable, "-m", "roundtrip"]
        warehouse = root / "warehouse"
        with control.running(sandbox):
            measure([*roundtrip, "load"], env)
            measure([*roundtrip, "transform"], env)
            limit, window = RATE_LIMIT
            measure(
                [*roundtrip, "sandbox", "faults", "hubspot", f"rate_limit={limit}/{window}"], env
            )
            allowed = limit / window * BATCH

            wall, rss = measure([*roundtrip, "sync", SYNC], env)
            first = _last_run(warehouse)
            sending = first["seconds"] - first["diff_seconds"]
            rate = first["accepted"] / sending
            figures.update(
                contacts=first["accepted"],
                first_sync_wall_seconds=round(wall, 1),
                first_sync_requests=first["requests"],
                first_sync_records_per_s=round(rate),
                first_sync_share_of_allowed=f"{rate / allowed:.1%} of {allowed:,.0f} records/s",
                first_sync_rejected=first["rejected"],
                first_sync_retried_requests=first["http_retries"],
                first_sync_peak_rss_mib=round(rss),
                first_sync_diff_seconds=round(first["diff_seconds"], 2),
            )

            measure([*roundtrip, "sync", SYNC], env)
            unchanged = _last_run(warehouse)
            figures.update(
                no_change_diff_seconds=round(unchanged["diff_seconds"], 2),
                no_change_requests=unchanged["requests"],
            )

            changed = _change_tenth_of_scores(warehouse / "roundtrip.duckdb")
            measure([*roundtrip, "sync", SYNC], env)
            tenth = _last_run(warehouse)
            figures.update(
                ten_pct_changed_rows=changed,
                ten_pct_diff_seconds=round(tenth["diff_seconds"], 2),
                ten_pct_planned=tenth["planned"],
                ten_pct_accepted=tenth["accepted"],
                ten_pct_records_per_s=round(
                    tenth["accepted"] / (tenth["seconds"] - tenth["diff_seconds"])
                ),
            )
    return figures
