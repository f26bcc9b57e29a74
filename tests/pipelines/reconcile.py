"""Compare the warehouse's raw tables with the sandbox world they were loaded from.

Each check pairs a raw table with the world table behind it and a fingerprint expression over
the same facts on both sides (count plus an order-independent hash of key and content columns).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class Pair:
    raw: str  # schema.table in the warehouse
    raw_fingerprint: str  # SQL expressions over the raw table
    world: str  # SQL over world.duckdb (a table or a subquery)
    world_fingerprint: str


PAIRS: tuple[Pair, ...] = (
    Pair(
        "raw_hubspot.contacts",
        "id, lower(coalesce(email, '')), archived, epoch_ms(updated_at)",
        "hubspot_contacts",
        "id, lower(coalesce(email, '')), archived, epoch_ms(updated_at)",
    ),
    Pair("raw_hubspot.companies", "id, archived", "hubspot_companies", "id, archived"),
    Pair("raw_hubspot.deals", "id, archived", "hubspot_deals", "id, archived"),
    Pair(
        "raw_hubspot.email_events",
        "id, type, epoch_ms(created)",
        # events the generator dates after the sandbox clock are not visible yet
        "(select * from hubspot_email_events "
        "where created <= (select value::timestamptz from world_meta where key = 'now'))",
        "id, type, epoch_ms(created)",
    ),
    Pair(
        "raw_hubspot.form_submissions",
        "conversion_id, epoch_ms(submitted_at)",
        "hubspot_form_submissions",
        "conversion_id, epoch_ms(submitted_at)",
    ),
    Pair("raw_salesforce.leads", "id, is_deleted", "salesforce_lead", "Id, IsDeleted"),
    Pair("raw_salesforce.contacts", "id, is_deleted", "salesforce_contact", "Id, IsDeleted"),
    Pair("raw_salesforce.accounts", "id, is_deleted", "salesforce_account", "Id, IsDeleted"),
    Pair(
        "raw_salesforce.opportunities",
        "id, is_deleted, amount",
        "salesforce_opportunity",
        "Id, IsDeleted, Amount",
    ),
    Pair("raw_salesforce.campaigns", "id", "salesforce_campaign", "Id"),
    Pair(
        "raw_salesforce.campaign_members",
        "id, is_deleted",
        "salesforce_campaign_member",
        "Id, IsDeleted",
    ),
    Pair(
        "raw_google_ads.ad_group_daily",
        "ad_group_id, date, impressions, clicks, cost_micros",
        "google_ads_ad_group_daily",
        "ad_group_id, date, impressions, clicks, cost_micros",
    ),
    Pair(
        "raw_meta_ads.adset_daily",
        "adset_id, date, impressions, clicks, spend",
        "meta_adset_daily",
        "adset_id, date, impressions, clicks, spend",
    ),
    Pair(
        "raw_linkedin_ads.campaign_daily",
        "campaign_id, date, impressions, clicks, cost_in_local_currency",
        "linkedin_campaign_daily",
        "campaign_id, date, impressions, clicks, cost_in_local_currency",
    ),
    Pair(
        "raw_ga4.traffic_daily",
        "date, session_source, session_medium, session_campaign_name, sessions",
        "ga4_daily",
        "date, session_source, session_medium, session_campaign_name, sessions",
    ),
)


def fingerprint(con: duckdb.DuckDBPyConnection, table: str, expressions: str) -> tuple[int, int]:
    """(row count, order-independent hash of the expressions over every row)."""
    count, digest = con.execute(
        f"select count(*), coalesce(bit_xor(hash({expressions})), 0) from {table}"
    ).fetchone()
    return int(count), int(digest)


def differences(warehouse: Path, world: Path, system: str | None = None) -> list[str]:
    """Every pair (of `system`'s raw tables, when given) whose fingerprints differ, described;
    empty when the load is exact."""
    out = []
    with (
        duckdb.connect(str(warehouse), read_only=True) as wh,
        duckdb.connect(str(world), read_only=True) as wd,
    ):
        for pair in PAIRS:
            if system is not None and not pair.raw.startswith(f"raw_{system}."):
                continue
            got = fingerprint(wh, pair.raw, pair.raw_fingerprint)
            want = fingerprint(wd, pair.world, pair.world_fingerprint)
            if got != want:
                out.append(f"{pair.raw}: warehouse {got} != world {want}")
    return out
