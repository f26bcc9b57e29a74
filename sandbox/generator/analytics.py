"""GA4: daily sessions by source / medium / campaign, from our people's visits plus anonymous traffic."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sandbox.generator.activity import ORGANIC
from sandbox.generator.ads import PLATFORMS
from sandbox.generator.clock import DAY, epoch_seconds

ANONYMOUS = {
    ("google", "organic", "(organic)"): 60,
    ("bing", "organic", "(organic)"): 8,
    ("(direct)", "(none)", "(direct)"): 40,
    ("g2.com", "referral", "(referral)"): 5,
}


def ga4_daily(
    rng: np.random.Generator,
    property_id: str,
    touches: pd.DataFrame,
    ad_daily: pd.DataFrame,
    structure: pd.DataFrame,
    days: np.ndarray,
    scale: float,
) -> pd.DataFrame:
    """Rows per day, source, medium and campaign: paid sessions ≈ 90 % of ad clicks, others from touches."""
    t = touches.assign(
        date=touches["touched_at"] // DAY * DAY, campaign=touches["campaign"].fillna("")
    )
    t = t[t["ad_group"] < 0]
    known = (
        t.groupby(["date", "source", "medium", "campaign"])
        .agg(sessions=("person_id", "size"), key_events=("form", "sum"))
        .reset_index()
    )
    campaign = structure.drop_duplicates("campaign_id").set_index("campaign_id")
    paid = ad_daily.assign(
        date=epoch_seconds(ad_daily["date"]),
        source=ad_daily["platform"].map({p: v[0] for p, v in PLATFORMS.items()}),
        medium=ad_daily["platform"].map({p: v[1] for p, v in PLATFORMS.items()}),
        campaign=campaign["campaign"].reindex(ad_daily["campaign_id"]).to_numpy(),
    )
    paid = (
        paid.groupby(["date", "source", "medium", "campaign"])
        .agg(clicks=("clicks", "sum"), key_events=("leads", "sum"))
        .reset_index()
    )
    paid["sessions"] = np.round(paid["clicks"] * rng.uniform(0.85, 0.95, len(paid))).astype(
        np.int64
    )
    anon = pd.DataFrame(
        [(d, *k, v) for d in days for k, v in ANONYMOUS.items()],
        columns=["date", "source", "medium", "campaign", "mean"],
    )
    anon["sessions"] = rng.poisson(anon["mean"].to_numpy() * scale)
    anon["key_events"] = 0
    rows = pd.concat([known, paid.drop(columns="clicks"), anon.drop(columns="mean")])
    rows["campaign"] = (
        rows["campaign"]
        .replace("", None)
        .fillna(rows["medium"].map({medium: name for _, medium, name in ORGANIC.values()}))
        .fillna("(not set)")
    )
    rows = rows.groupby(["date", "source", "medium", "campaign"], as_index=False).sum()
    rows = (
        rows[rows["sessions"] > 0]
        .sort_values(["date", "source", "medium", "campaign"])
        .reset_index(drop=True)
    )
    sessions = rows["sessions"].to_numpy()
    return pd.DataFrame(
        {
            "property_id": property_id,
            "date": pd.to_datetime(rows["date"], unit="s").dt.date,
            "session_source": rows["source"],
            "session_medium": rows["medium"],
            "session_campaign_name": rows["campaign"],
            "sessions": sessions,
            "total_users": np.maximum(
                1, np.round(sessions * rng.uniform(0.75, 0.95, len(rows)))
            ).astype(np.int64),
            "engaged_sessions": np.round(sessions * rng.uniform(0.45, 0.7, len(rows))).astype(
                np.int64
            ),
            "key_events": np.minimum(rows["key_events"].to_numpy().astype(np.int64), sessions),
        }
    )
