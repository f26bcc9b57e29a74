"""Two-way sync benchmark: `roundtrip sync contacts_two_way` against a generated world.

Figures at a scale (HubSpot and Salesforce loaded and transformed first; other systems off):
- the first sync (links, fills, first reconciliation): links, field writes per direction,
  requests, diff seconds (read both sides, resolve links, decide every field), seconds;
- a sync with nothing changed: diff seconds and requests (target 0), first right after the
  first sync (every link decided again) and then in steady state (the previous run found every
  link settled: only fingerprints are compared); diff CPU seconds beside the wall seconds, as
  the machine may be shared;
- the first sync's HubSpot send rate with the HubSpot stand-in enforcing HubSpot Pro's limit:
  the case where the limit binds (target ≥ 95 % of it). HubSpot's limit counts requests, so
  the share is requests/s against 190 per 10 s; records/s and records per request sit beside
  it (a batch update carries 100 contacts, an unsubscribe-all one: the Communication
  Preferences batch endpoint needs Marketing Hub Enterprise);
- after 1 % of the linked contacts were edited on each side (a field each, in the vendors'
  own UIs via sandbox/edits.py), load and transform: diff seconds (target ≤ 3 s at M), field
  writes, requests, and records/s while sending against the HubSpot Pro limit (190 requests
  per 10 s, 100 records per batch). Salesforce's binding limit is its daily API allocation,
  not a rate, so HubSpot's is the one the send rate is judged against.
"""

from __future__ import annotations

import random
import sqlite3
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.load import CRM_ONLY, bench_project, measure
from sandbox import control, edits
from sandbox.state import SandboxPaths, WorldInfo

SYNC = "contacts_two_way"
RATE_LIMIT = (190, 10)  # HubSpot Pro / Enterprise: 190 requests per rolling 10 s
BATCH = 100
FIELDS = (("phone", "Phone"), ("jobtitle", "Title"), ("firstname", "FirstName"))


def _state(warehouse: Path) -> sqlite3.Connection:
    con = sqlite3.connect(warehouse / "state" / "reverse.sqlite")
    con.row_factory = sqlite3.Row
    return con


def _last_run(warehouse: Path) -> dict[str, Any]:
    with _state(warehouse) as con:
        row = con.execute(
            "select * from two_way_runs where sync = ? order by started_at desc limit 1", [SYNC]
        ).fetchone()
    return dict(row)


def _edit_one_percent(warehouse: Path, sandbox: SandboxPaths, seed: int) -> int:
    """A field of 1 % of the linked contacts edited on HubSpot and of another 1 % on Salesforce."""
    with _state(warehouse) as con:
        links = con.execute(
            "select map_id, crm_object, crm_id from two_way_links where sync = ? and status = 'active' "
            "order by map_id",
            [SYNC],
        ).fetchall()
    rng = random.Random(seed)
    chosen = rng.sample(links, 2 * max(1, len(links) // 100))
    at = WorldInfo.read(sandbox).now.replace(tzinfo=None) - timedelta(minutes=2)  # type: ignore[union-attr]
    half = len(chosen) // 2
    for n, (map_id, obj, crm_id) in enumerate(chosen):
        prop, field = FIELDS[n % len(FIELDS)]
        value = f"bench-{rng.randrange(10**9)}"
        if n < half:
            edits.edit(sandbox, "hubspot", "contacts", map_id, prop, value, at)
        else:
            edits.edit(sandbox, "salesforce", obj, crm_id, field, value, at)
    return len(chosen)


def run(scale: str, seed: int = 42) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with bench_project("two-way", scale, seed, CRM_ONLY) as (root, sandbox, env):
        roundtrip = [sys.executable, "-m", "roundtrip"]
        warehouse = root / "warehouse"
        measure([*roundtrip, "load"], env)
        measure([*roundtrip, "transform"], env)

        limit, window = RATE_LIMIT
        with control.running(sandbox):  # the HubSpot stand-in enforces HubSpot Pro's limit
            measure(
                [*roundtrip, "sandbox", "faults", "hubspot", f"rate_limit={limit}/{window}"], env
            )
            _wall, rss = measure([*roundtrip, "sync", SYNC], env)
            measure([*roundtrip, "sandbox", "faults", "hubspot", "rate_limit=off"], env)
        first = _last_run(warehouse)
        allowed = limit / window * BATCH
        send_seconds = max(first["map_send_seconds"], 1e-9)
        figures.update(
            links=first["links"],
            first_sync_to_hubspot=first["to_map"],
            first_sync_to_salesforce=first["to_crm"],
            first_sync_conflicts=first["conflicts"],
            first_sync_unlinked=first["unlinked"],
            first_sync_requests=first["requests"],
            first_sync_diff_seconds=first["diff_seconds"],
            first_sync_seconds=first["seconds"],
            first_sync_peak_rss_mib=round(rss),
            # where the limit binds: every HubSpot request of the first sync, against 19/s
            first_sync_hubspot_records=first["map_records"],
            first_sync_hubspot_requests=first["map_requests"],
            first_sync_hubspot_records_per_request=round(
                first["map_records"] / max(first["map_requests"], 1), 1
            ),
            first_sync_hubspot_send_seconds=first["map_send_seconds"],
            first_sync_hubspot_records_per_s=round(first["map_records"] / send_seconds),
            first_sync_hubspot_pct_of_limit=round(
                100 * first["map_requests"] / send_seconds / (limit / window), 1
            ),
        )
        measure([*roundtrip, "load", "hubspot", "salesforce"], env)
        measure([*roundtrip, "transform"], env)
        measure([*roundtrip, "sync", SYNC], env)
        quiet = _last_run(warehouse)
        measure([*roundtrip, "sync", SYNC], env)  # steady state: the last run settled every link
        settled = _last_run(warehouse)
        figures.update(
            no_change_diff_seconds=quiet["diff_seconds"],
            no_change_diff_cpu_seconds=quiet["diff_cpu_seconds"],
            no_change_requests=quiet["requests"],
            no_change_field_writes=quiet["to_map"] + quiet["to_crm"],
            settled_no_change_diff_seconds=settled["diff_seconds"],
            settled_no_change_diff_cpu_seconds=settled["diff_cpu_seconds"],
            settled_no_change_requests=settled["requests"],
        )

        edited = _edit_one_percent(warehouse, sandbox, seed)
        measure([*roundtrip, "load", "hubspot", "salesforce"], env)
        measure([*roundtrip, "transform"], env)
        with control.running(sandbox):
            measure(
                [*roundtrip, "sandbox", "faults", "hubspot", f"rate_limit={limit}/{window}"], env
            )
            measure([*roundtrip, "sync", SYNC], env)
        changed = _last_run(warehouse)
        writes = changed["to_map"] + changed["to_crm"]
        sending = max(changed["seconds"] - changed["diff_seconds"], 1e-9)
        figures.update(
            one_pct_edited_records=edited,
            one_pct_diff_seconds=changed["diff_seconds"],
            one_pct_diff_cpu_seconds=changed["diff_cpu_seconds"],
            one_pct_field_writes=writes,
            one_pct_requests=changed["requests"],
            one_pct_records_per_s=round(writes / sending),
            one_pct_allowed_records_per_s=allowed,
        )
    return figures
