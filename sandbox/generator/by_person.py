"""Per-person facts both CRMs record, chosen by a hash of the person id (no random draw, so the
rest of the world is unchanged and each chunk decides alone), the same on both sides except a few
so the two-way sync has work to do:

- email opt-out: ~4 % of people; a quarter of them opted out on one side only (half in HubSpot,
  half in Salesforce);
- record owner: the rep of the same rank in both tools (HubSpot owner k, Salesforce user k: the
  same address), except ~3 % whose Salesforce owner is the next rep (reassigned in the CRM).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

SHARE = 40  # per mille opted out
ONE_SIDE = (
    10  # per mille of them opted out on one side only (the first half HubSpot, then Salesforce)
)


def _bucket(person_id: pd.Series | np.ndarray) -> np.ndarray:
    """A per-mille bucket per person from a multiplicative hash of the id."""
    ids = np.asarray(person_id, dtype=np.int64).astype(np.uint64)
    return ((ids * np.uint64(2654435761)) % np.uint64(2**32) % np.uint64(1000)).astype(np.int64)


def opted_out(person_id: pd.Series | np.ndarray, side: str) -> np.ndarray:
    """Whether each person opted out of email on `side` (hubspot | salesforce)."""
    bucket = _bucket(person_id)
    elsewhere = (
        (bucket >= ONE_SIDE // 2) & (bucket < ONE_SIDE)
        if side == "hubspot"
        else bucket < ONE_SIDE // 2
    )
    return (bucket < SHARE) & ~elsewhere


def owner(
    rng: np.random.Generator, person_id: pd.Series | np.ndarray, owners: np.ndarray, side: str
) -> np.ndarray:
    """Each person's record owner on `side` (hubspot | salesforce) among `owners` (by rank).
    Draws what the random assignment it replaced drew, so the rest of the world is unchanged."""
    rng.integers(0, len(owners), len(person_id))
    ids = np.asarray(person_id, dtype=np.int64).astype(np.uint64)
    rank = ((ids * np.uint64(40503)) % np.uint64(2**16)).astype(np.int64)
    if side == "salesforce":
        rank = rank + (_bucket(person_id) % 100 >= 97)  # ~3 %: reassigned in Salesforce
    return owners[rank % len(owners)]


def record_unsubscribes(con: duckdb.DuckDBPyConnection) -> None:
    """The HubSpot preference center's record of the opted-out contacts' addresses (what the
    stand-in's unsubscribe-all status reads), for contacts generated since the last call."""
    con.execute(
        "INSERT INTO hubspot_unsubscribed_all SELECT lower(trim(email)), 'EMAIL', min(updated_at) "
        "FROM hubspot_contacts WHERE hs_email_optout = 'true' AND trim(coalesce(email, '')) <> '' "
        "GROUP BY 1 ON CONFLICT DO NOTHING"
    )
