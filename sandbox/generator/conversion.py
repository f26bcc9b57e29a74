"""Who buys and when: opportunities arise from fit and engagement, a while after a touch."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sandbox.generator.clock import DAY, Window

STAGES = [("Prospecting", 10.0), ("Qualification", 20.0), ("Proposal", 50.0), ("Negotiation", 75.0)]


def opportunity_odds(people: pd.DataFrame) -> np.ndarray:
    """Log-odds that a person ever opens an opportunity; people without a company never do."""
    logit = (
        -4.8 + 6.5 * people["fit"].to_numpy() + 1.1 * np.log(people["engagement_rate"].to_numpy())
    )
    return np.where(people["company_id"].notna().to_numpy(), logit, -np.inf)


def plan_opportunities(
    rng: np.random.Generator,
    people: pd.DataFrame,
    touches: pd.DataFrame,
    companies: pd.DataFrame,
    window: Window,
    share: float = 1.0,
) -> pd.DataFrame:
    """One opportunity for some people, opened a few weeks after one of their touches inside `window`.

    `share` scales the lifetime odds down for a short window (advance); then the lag has mostly
    passed already and the opportunity opens at a random time in the window. Columns: person_id,
    created_at, close_at (planned), won, cents, campaign_id (left for the caller).
    """
    odds = opportunity_odds(people)
    buyer = rng.random(len(people)) < share / (1 + np.exp(-odds))
    candidates = touches[touches["person_id"].isin(people["person_id"].to_numpy()[buyer])]
    anchor = (
        candidates.sample(frac=1.0, random_state=rng)
        .drop_duplicates("person_id")
        .sort_values("person_id")
    )
    lag = (3 * DAY + rng.exponential(20 * DAY, len(anchor))).astype(np.int64)
    created = (
        anchor["touched_at"].to_numpy() + lag if share >= 1 else window.uniform(rng, len(anchor))
    )
    plan = pd.DataFrame({"person_id": anchor["person_id"].to_numpy(), "created_at": created})
    plan = plan[plan["created_at"] <= window.end].reset_index(drop=True)
    return close_plan(rng, plan, people, companies)


def close_plan(
    rng: np.random.Generator, plan: pd.DataFrame, people: pd.DataFrame, companies: pd.DataFrame
) -> pd.DataFrame:
    """Add the planned close time, outcome and amount (cents) to opportunities person_id/created_at."""
    who = people.set_index("person_id").loc[plan["person_id"]]
    size = (
        companies.set_index("company_id")["employees"]
        .reindex(who["company_id"].astype("int64"))
        .to_numpy(dtype=float)
    )
    fit = who["fit"].to_numpy()
    return plan.assign(
        close_at=plan["created_at"].to_numpy() + rng.integers(20, 120, len(plan)) * DAY,
        won=rng.random(len(plan)) < 0.2 + 0.6 * fit,
        cents=(
            np.round((5_000 + 400 * np.sqrt(size)) * rng.lognormal(0, 0.4, len(plan)), -2) * 100
        ).astype(np.int64),
    )


def stage_at(plan: pd.DataFrame, now: int) -> pd.DataFrame:
    """StageName, Probability, IsClosed, IsWon and the last stage change of each opportunity at `now`."""
    created, close = plan["created_at"].to_numpy(), plan["close_at"].to_numpy()
    closed = close <= now
    step = np.clip((now - created) * 4 // np.maximum(close - created, 1), 0, 3)
    names = np.array([s[0] for s in STAGES], dtype=object)[step]
    prob = np.array([s[1] for s in STAGES])[step]
    won = plan["won"].to_numpy() & closed
    return pd.DataFrame(
        {
            "StageName": np.where(closed, np.where(won, "Closed Won", "Closed Lost"), names),
            "Probability": np.where(closed, np.where(won, 100.0, 0.0), prob),
            "IsClosed": closed,
            "IsWon": won,
            "changed_at": np.where(closed, close, created + step * (close - created) // 4),
        },
        index=plan.index,
    )
