"""Ad platforms: accounts, campaigns named by the UTM convention, ad groups, and daily metrics.

One unified frame describes every platform's structure (platform, account, campaign, ad group);
`platform_tables` splits it into each vendor's own tables and units (Google micros, cents elsewhere).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sandbox.generator.clock import DAY, Window
from sandbox.generator.ids import numeric_ids

PLATFORMS = {
    # platform: (utm_source, utm_medium, touch channel, campaign kinds, cost per click in cents, ctr)
    "google_ads": (
        "google",
        "cpc",
        "paid_search",
        ["search", "display", "video"],
        (250, 900),
        0.04,
    ),
    "meta_ads": (
        "facebook",
        "paid_social",
        "paid_social",
        ["prospecting", "retargeting", "leadgen"],
        (80, 300),
        0.012,
    ),
    "linkedin_ads": (
        "linkedin",
        "paid_social",
        "paid_social",
        ["sponsored", "textad", "leadgen"],
        (600, 1400),
        0.006,
    ),
}
SHORT = {"google_ads": "google", "meta_ads": "meta", "linkedin_ads": "linkedin"}
THEMES = [
    "brand",
    "competitor",
    "attribution-guide",
    "demo",
    "webinar-promo",
    "retention",
    "pipeline-report",
    "abm-tier1",
    "free-trial",
    "case-study",
]


def make_structure(rng: np.random.Generator, history: Window) -> pd.DataFrame:
    """Every ad group of every campaign of every account, with the campaign's active span."""
    frames = []
    for platform, (_, _, _, kinds, _, _) in PLATFORMS.items():
        n_accounts = int(rng.integers(1, 3))
        accounts = {
            "google_ads": numeric_ids(rng, n_accounts, 10).astype(str),
            "meta_ads": numeric_ids(rng, n_accounts, 15).astype(str),
            "linkedin_ads": numeric_ids(rng, n_accounts, 9).astype(str),
        }[platform]
        n = int(rng.integers(10, 31))
        start_day = rng.integers(history.start // DAY - 90, history.end // DAY - 20, n)
        always_on = rng.random(n) < 0.3
        start_day = np.where(always_on, history.start // DAY - 200, start_day)
        length = rng.integers(30, 150, n)
        end_day = np.where(
            always_on | (rng.random(n) < 0.4), np.iinfo(np.int64).max // DAY, start_day + length
        )
        starts = pd.to_datetime(np.maximum(start_day, history.start // DAY - 200) * DAY, unit="s")
        quarter = starts.year.astype(str) + "-q" + starts.quarter.astype(str)
        kind = np.asarray(kinds, dtype=object)[rng.integers(0, len(kinds), n)]
        theme = np.asarray(THEMES, dtype=object)[rng.integers(0, len(THEMES), n)]
        name = pd.Series(quarter + "_" + SHORT[platform] + "_" + kind + "_" + theme)
        repeat = name.groupby(name).cumcount()
        name = name.where(repeat == 0, name + "-" + (repeat + 1).astype(str))
        campaign_id = {
            "google_ads": numeric_ids(rng, n, 11),
            "meta_ads": numeric_ids(rng, n, 17),
            "linkedin_ads": numeric_ids(rng, n, 9),
        }[platform].astype(str)
        groups = rng.integers(1, 5, n)
        row = np.repeat(np.arange(n), groups)
        rank = np.arange(len(row)) - np.repeat(np.cumsum(groups) - groups, groups) + 1
        ad_group_id = {
            "google_ads": numeric_ids(rng, len(row), 12),
            "meta_ads": numeric_ids(rng, len(row), 17),
            "linkedin_ads": numeric_ids(rng, len(row), 9),
        }[platform].astype(str)
        frames.append(
            pd.DataFrame(
                {
                    "platform": platform,
                    "account_id": accounts[rng.integers(0, n_accounts, n)][row],
                    "campaign_id": campaign_id[row],
                    "campaign": name.to_numpy()[row],
                    "kind": kind[row],
                    "ad_group_id": ad_group_id,
                    "ad_group": name.to_numpy()[row] + "_ag" + rank.astype(str).astype(object),
                    "start_day": start_day[row],
                    "end_day": end_day[row],
                    "cpc": rng.integers(*PLATFORMS[platform][4], len(row)),
                    "reach": rng.gamma(2.0, 4.0, len(row)),
                }
            )
        )
    structure = pd.concat(frames, ignore_index=True)
    structure["enabled"] = structure["end_day"] >= history.end // DAY
    return structure


def active_ad_groups(
    structure: pd.DataFrame, days: np.ndarray, platforms: list[str]
) -> list[np.ndarray]:
    """For each day (epoch seconds), the structure rows of `platforms` live on that day."""
    mask = structure["platform"].isin(platforms).to_numpy()
    start, end = structure["start_day"].to_numpy(), structure["end_day"].to_numpy()
    return [np.flatnonzero(mask & (start <= d // DAY) & (end >= d // DAY)) for d in days]


def daily_metrics(
    rng: np.random.Generator, structure: pd.DataFrame, touches: pd.DataFrame, window: Window
) -> pd.DataFrame:
    """Impressions, clicks, spend (cents) and leads per live ad group and day of `window`.

    Clicks are the paid touches our people made plus anonymous clicks, so GA4 and CRM agree with
    the platforms; spend is clicks * the ad group's cost per click with a little daily noise.
    """
    days = window.days()
    rows = active_ad_groups(structure, days, list(PLATFORMS))
    ag = np.concatenate(rows)
    day = np.repeat(days, [len(r) for r in rows])
    frame = pd.DataFrame({"ag": ag, "day": day})
    paid = touches.loc[touches["ad_group"] >= 0, ["ad_group", "touched_at", "person_id", "form"]]
    paid_counts = paid.groupby([paid["ad_group"], paid["touched_at"] // DAY * DAY]).agg(
        touched=("person_id", "size"), leads=("form", "sum")
    )
    paid_counts.index.names = ["ag", "day"]
    frame = frame.join(paid_counts, on=["ag", "day"]).fillna({"touched": 0, "leads": 0})
    reach = structure["reach"].to_numpy()[ag]
    clicks = frame["touched"].to_numpy().astype(np.int64) + rng.poisson(reach)
    ctr = np.array([PLATFORMS[p][5] for p in structure["platform"]])[ag] * rng.uniform(
        0.6, 1.4, len(ag)
    )
    impressions = np.round(clicks / ctr + rng.integers(5, 60, len(ag))).astype(np.int64)
    cents = np.round(
        clicks * structure["cpc"].to_numpy()[ag] * rng.uniform(0.8, 1.2, len(ag))
    ).astype(np.int64)
    return pd.DataFrame(
        {
            "platform": structure["platform"].to_numpy()[ag],
            "account_id": structure["account_id"].to_numpy()[ag],
            "campaign_id": structure["campaign_id"].to_numpy()[ag],
            "ad_group_id": structure["ad_group_id"].to_numpy()[ag],
            "date": pd.to_datetime(day, unit="s").date,
            "impressions": impressions,
            "clicks": clicks,
            "cents": cents,
            "leads": frame["leads"].to_numpy().astype(np.int64),
        }
    )


def platform_tables(
    structure: pd.DataFrame, daily: pd.DataFrame, created_day: int
) -> dict[str, pd.DataFrame]:
    """The world tables of the three ad platforms from the unified frames."""
    status = np.where(structure["enabled"], "ENABLED", "PAUSED")
    s = structure.assign(status=status)
    campaigns = s.drop_duplicates(["platform", "campaign_id"])
    start = pd.to_datetime(np.maximum(campaigns["start_day"].to_numpy(), 0) * DAY, unit="s").date
    tables: dict[str, pd.DataFrame] = {}

    g = campaigns["platform"] == "google_ads"
    tables["google_ads_campaigns"] = pd.DataFrame(
        {
            "customer_id": campaigns.loc[g, "account_id"],
            "campaign_id": campaigns.loc[g, "campaign_id"].astype(np.int64),
            "name": campaigns.loc[g, "campaign"],
            "status": campaigns.loc[g, "status"],
            "advertising_channel_type": campaigns.loc[g, "kind"].str.upper(),
            "start_date": start[g.to_numpy()],
        }
    )
    ga = s[s["platform"] == "google_ads"]
    tables["google_ads_ad_groups"] = pd.DataFrame(
        {
            "customer_id": ga["account_id"],
            "ad_group_id": ga["ad_group_id"].astype(np.int64),
            "campaign_id": ga["campaign_id"].astype(np.int64),
            "name": ga["ad_group"],
            "status": ga["status"],
        }
    )

    m = campaigns["platform"] == "meta_ads"
    created = pd.to_datetime(
        np.maximum(campaigns.loc[m, "start_day"].to_numpy() * DAY - 3 * DAY, created_day), unit="s"
    )
    tables["meta_campaigns"] = pd.DataFrame(
        {
            "account_id": campaigns.loc[m, "account_id"],
            "campaign_id": campaigns.loc[m, "campaign_id"],
            "name": campaigns.loc[m, "campaign"],
            "objective": campaigns.loc[m, "kind"].map(
                {
                    "prospecting": "OUTCOME_AWARENESS",
                    "retargeting": "OUTCOME_TRAFFIC",
                    "leadgen": "OUTCOME_LEADS",
                }
            ),
            "status": np.where(campaigns.loc[m, "enabled"], "ACTIVE", "PAUSED"),
            "created_time": created,
            "updated_time": created,
        }
    )
    ma = s[s["platform"] == "meta_ads"]
    tables["meta_adsets"] = pd.DataFrame(
        {
            "account_id": ma["account_id"],
            "adset_id": ma["ad_group_id"],
            "campaign_id": ma["campaign_id"],
            "name": ma["ad_group"],
            "status": np.where(ma["enabled"], "ACTIVE", "PAUSED"),
        }
    )

    li = campaigns["platform"] == "linkedin_ads"
    tables["linkedin_campaign_groups"] = pd.DataFrame(
        {
            "account_id": campaigns.loc[li, "account_id"].astype(np.int64),
            "id": campaigns.loc[li, "campaign_id"].astype(np.int64),
            "name": campaigns.loc[li, "campaign"],
            "status": np.where(campaigns.loc[li, "enabled"], "ACTIVE", "PAUSED"),
        }
    )
    la = s[s["platform"] == "linkedin_ads"]
    tables["linkedin_campaigns"] = pd.DataFrame(
        {
            "account_id": la["account_id"].astype(np.int64),
            "id": la["ad_group_id"].astype(np.int64),
            "campaign_group_id": la["campaign_id"].astype(np.int64),
            "name": la["ad_group"],
            "status": np.where(la["enabled"], "ACTIVE", "PAUSED"),
            "type": np.where(la["kind"] == "textad", "TEXT_AD", "SPONSORED_UPDATES"),
        }
    )
    tables.update(daily_tables(daily))
    return tables


def daily_tables(daily: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Split unified daily metrics into the three platforms' daily tables."""
    g, m, li = (daily[daily["platform"] == p] for p in PLATFORMS)
    return {
        "google_ads_ad_group_daily": pd.DataFrame(
            {
                "customer_id": g["account_id"],
                "ad_group_id": g["ad_group_id"].astype(np.int64),
                "campaign_id": g["campaign_id"].astype(np.int64),
                "date": g["date"],
                "impressions": g["impressions"],
                "clicks": g["clicks"],
                "cost_micros": g["cents"] * 10_000,
                "conversions": g["leads"].astype(float),
            }
        ),
        "meta_adset_daily": pd.DataFrame(
            {
                "account_id": m["account_id"],
                "adset_id": m["ad_group_id"],
                "campaign_id": m["campaign_id"],
                "date": m["date"],
                "impressions": m["impressions"],
                "clicks": m["clicks"],
                "spend": m["cents"] / 100,
                "leads": m["leads"],
            }
        ),
        "linkedin_campaign_daily": pd.DataFrame(
            {
                "account_id": li["account_id"].astype(np.int64),
                "campaign_id": li["ad_group_id"].astype(np.int64),
                "date": li["date"],
                "impressions": li["impressions"],
                "clicks": li["clicks"],
                "cost_in_local_currency": li["cents"] / 100,
                "one_click_leads": li["leads"],
            }
        ),
    }
