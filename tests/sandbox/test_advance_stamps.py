"""`sandbox advance` never writes a change stamped at or before the previous clock.

Incremental loads read `updated_at > cursor` (HubSpot) and `SystemModstamp > cursor`
(Salesforce); a change stamped earlier than the old "now" would never be read.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from sandbox.generator import advance, generate
from sandbox.state import SandboxPaths, WorldInfo

# table → (key, modification stamp, columns whose change does not bump the stamp)
STAMPED = {
    "hubspot_contacts": (
        "id",
        "updated_at",
        {"archived", "archived_at"},
    ),  # archive keeps updated_at
    "hubspot_companies": ("id", "updated_at", {"archived", "archived_at"}),
    "hubspot_deals": ("id", "updated_at", {"archived", "archived_at"}),
    "salesforce_lead": ("Id", "SystemModstamp", set()),
    "salesforce_contact": ("Id", "SystemModstamp", set()),
    "salesforce_account": ("Id", "SystemModstamp", set()),
    "salesforce_opportunity": ("Id", "SystemModstamp", set()),
    "salesforce_opportunity_contact_role": ("Id", "SystemModstamp", set()),
    "salesforce_campaign": ("Id", "SystemModstamp", set()),
    "salesforce_campaign_member": ("Id", "SystemModstamp", set()),
}


def _snapshot(
    con: duckdb.DuckDBPyConnection, table: str, key: str, skip: set[str]
) -> tuple[dict, list[str]]:
    """key → the row's values (less `skip`), and the column names."""
    columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] not in skip]
    quoted = ", ".join(f'"{c}"' for c in columns)
    rows = con.execute(f'SELECT "{key}", {quoted} FROM {table}')
    return {row[0]: row[1:] for row in rows.fetchall()}, columns


def _changed_too_early(paths: SandboxPaths, before: dict, old_now) -> dict[str, list]:
    """Rows new or changed since `before` whose stamp is not after `old_now`, per table."""
    con = duckdb.connect(str(paths.world_db), read_only=True)
    try:
        found = {}
        for table, (key, stamp, skip) in STAMPED.items():
            after, columns = _snapshot(con, table, key, skip)
            at = columns.index(stamp)
            early = [
                (k, row[at])
                for k, row in after.items()
                if before[table].get(k) != row and row[at] <= old_now
            ]
            if early:
                found[table] = early
        return found
    finally:
        con.close()


def test_advance_stamps_every_change_after_the_previous_clock(
    generated_world_tiny_scale: str, tmp_path: Path
) -> None:
    paths = SandboxPaths(tmp_path / "w")
    # seed 4242 has opportunities whose stage changes fell before the old clock (and HubSpot
    # deals that follow them), and a webinar campaign stamped at the old clock
    generate(paths, seed=4242, scale=generated_world_tiny_scale)
    con = duckdb.connect(str(paths.world_db), read_only=True)
    before = {t: _snapshot(con, t, k, s)[0] for t, (k, _, s) in STAMPED.items()}
    con.close()
    for _ in range(3):  # several steps: each continues from the clock the previous one left
        old_now = WorldInfo.read(paths).now.replace(tzinfo=None)
        advance(paths, 1)
        assert _changed_too_early(paths, before, old_now) == {}
        con = duckdb.connect(str(paths.world_db), read_only=True)
        before = {t: _snapshot(con, t, k, s)[0] for t, (k, _, s) in STAMPED.items()}
        con.close()
