"""Reading an existing world back into frames, for `advance` to continue it."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from sandbox.generator.activity import REGISTRATION_DAYS
from sandbox.generator.clock import DAY, epoch_seconds
from sandbox.generator.ids import SF_POD, SF_PREFIX, salesforce_counter

NEVER = np.iinfo(np.int64).max // DAY


def frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


def ad_structure(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The unified ad structure (see ads.make_structure), with cost per click and reach from history."""
    s = frame(
        con,
        """
        SELECT 'google_ads' AS platform, g.customer_id AS account_id, g.campaign_id::VARCHAR AS campaign_id, c.name AS campaign,
               lower(c.advertising_channel_type) AS kind, g.ad_group_id::VARCHAR AS ad_group_id, g.name AS ad_group,
               c.status = 'ENABLED' AS enabled,
               sum(d.cost_micros) / 10000 / greatest(sum(d.clicks), 1) AS cpc, avg(d.clicks) AS reach, min(d.date) AS first_date
        FROM google_ads_ad_groups g JOIN google_ads_campaigns c USING (customer_id, campaign_id)
        LEFT JOIN google_ads_ad_group_daily d USING (customer_id, ad_group_id) GROUP BY ALL
        UNION ALL
        SELECT 'meta_ads', a.account_id, a.campaign_id, c.name, 'meta', a.adset_id, a.name, c.status = 'ACTIVE',
               sum(d.spend) * 100 / greatest(sum(d.clicks), 1), avg(d.clicks), min(d.date)
        FROM meta_adsets a JOIN meta_campaigns c USING (account_id, campaign_id)
        LEFT JOIN meta_adset_daily d USING (account_id, adset_id) GROUP BY ALL
        UNION ALL
        SELECT 'linkedin_ads', l.account_id::VARCHAR, l.campaign_group_id::VARCHAR, g.name, lower(l.type), l.id::VARCHAR, l.name,
               g.status = 'ACTIVE', sum(d.cost_in_local_currency) * 100 / greatest(sum(d.clicks), 1), avg(d.clicks), min(d.date)
        FROM linkedin_campaigns l JOIN linkedin_campaign_groups g ON g.account_id = l.account_id AND g.id = l.campaign_group_id
        LEFT JOIN linkedin_campaign_daily d ON d.account_id = l.account_id AND d.campaign_id = l.id GROUP BY ALL
        ORDER BY 1, 2, 6""",
    )
    first = s["first_date"].fillna(pd.Timestamp("1970-01-01"))
    s["start_day"] = epoch_seconds(first) // DAY
    s["end_day"] = np.where(s["enabled"], NEVER, -1)
    s["cpc"] = s["cpc"].fillna(300).astype(np.int64)
    s["reach"] = (s["reach"].fillna(1.0) * 0.8).astype(float)
    return s.drop(columns="first_date")


def forms(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Forms with the webinar each registration form belongs to (see forms.make_forms)."""
    f = frame(con, "SELECT guid, name, created_at FROM hubspot_forms ORDER BY created_at, guid")
    f["created_at"] = epoch_seconds(f["created_at"])
    webinar = f["name"].str.startswith("Webinar registration: ")
    f["program"] = f["name"].str.removeprefix("Webinar registration: ").where(webinar, None)
    f["webinar_at"] = np.where(webinar, f["created_at"] + (REGISTRATION_DAYS + 1) * DAY, 0)
    return f


def salesforce_next(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The next free id counter per sObject (ids from salesforce_ids with our pod)."""
    tables = {
        "Lead": "salesforce_lead",
        "Contact": "salesforce_contact",
        "Account": "salesforce_account",
        "Opportunity": "salesforce_opportunity",
        "Campaign": "salesforce_campaign",
        "CampaignMember": "salesforce_campaign_member",
        "OpportunityContactRole": "salesforce_opportunity_contact_role",
    }
    counters = {}
    for sobject, table in tables.items():
        head = SF_PREFIX[sobject] + SF_POD.decode()
        top = con.execute(f"SELECT max(Id) FROM {table} WHERE Id LIKE '{head}%'").fetchall()[0][0]
        counters[sobject] = salesforce_counter(top) + 1 if top else 1
    return counters


def next_id(con: duckdb.DuckDBPyConnection, table: str, column: str = "id") -> int:
    return int(con.execute(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}").fetchall()[0][0])
