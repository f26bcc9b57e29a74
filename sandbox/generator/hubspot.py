"""HubSpot CRM: contacts (messy, some duplicated), companies, deals mirroring opportunities, associations."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sandbox.generator.by_person import opted_out, owner
from sandbox.generator.clock import DAY, Window
from sandbox.generator.messiness import chosen_address, gmail_variant, messy_case_and_padding
from sandbox.generator.people import company_cities, phone_numbers

ANALYTICS_SOURCE = {
    "paid_search": "PAID_SEARCH",
    "paid_social": "PAID_SOCIAL",
    "organic": "ORGANIC_SEARCH",
    "direct": "DIRECT_TRAFFIC",
    "referral": "REFERRALS",
    "offline": "OFFLINE",
}
DEAL_STAGE = {
    "Prospecting": "appointmentscheduled",
    "Qualification": "qualifiedtobuy",
    "Proposal": "presentationscheduled",
    "Negotiation": "contractsent",
    "Closed Won": "closedwon",
    "Closed Lost": "closedlost",
}


def recipient(email: pd.Series) -> pd.Series:
    """An address as HubSpot keys and sends to it: trimmed and lower-cased."""
    return email.str.strip().str.lower()


def _blank(rng: np.random.Generator, values: pd.Series | np.ndarray, rate: float) -> pd.Series:
    values = pd.Series(values).reset_index(drop=True)
    return values.where(rng.random(len(values)) >= rate, None)


def build_contacts(
    rng: np.random.Generator,
    people: pd.DataFrame,
    companies: pd.DataFrame,
    first: pd.DataFrame,
    role: pd.Series,
    window: Window,
    first_id: int,
    taken: pd.Series,
    owners: np.ndarray,
) -> pd.DataFrame:
    """Contacts for `people` (created in `window`): most people once, ~2.5 % twice, never two on one address.

    `first` is each person's first touch (channel, campaign) by person_id; `taken` the recipient
    addresses already used by existing contacts. Keeps a person_id column (dropped when written).
    """
    channel = first["channel"].reindex(people["person_id"]).fillna("offline").to_numpy()
    has = (channel != "offline") | (rng.random(len(people)) < 0.7)
    base = people[has].reset_index(drop=True)
    dup = base[rng.random(len(base)) < 0.025]
    rows = pd.concat([base, dup], ignore_index=True)
    is_dup = np.arange(len(rows)) >= len(base)
    address = chosen_address(rng, rows, 0.12)
    alternative = rows["personal_email"].fillna(
        rows["email"].str[0] + "." + rows["email"].str.split(".", n=1).str[1]
    )
    address = address.where(~is_dup | (address == alternative), alternative)
    address = address.where(
        ~is_dup | (address != rows["email"]), rows["email"].str.replace("@", ".work@", regex=False)
    )
    role_first = role.reindex(rows["person_id"]).to_numpy()
    role_once = pd.Series(role_first).where(~pd.Series(role_first).duplicated() & ~is_dup)
    address = address.where(role_once.isna(), role_once)
    address = messy_case_and_padding(rng, gmail_variant(rng, address, 0.3), 0.12, 0.04)
    key = recipient(address)
    keep = ~key.duplicated() & ~key.isin(taken)
    rows, address, is_dup = (
        rows[keep.to_numpy()].reset_index(drop=True),
        address[keep].reset_index(drop=True),
        is_dup[keep.to_numpy()],
    )

    created = np.where(
        is_dup,
        np.minimum(rows["created_at"] + rng.integers(DAY, 90 * DAY, len(rows)), window.end),
        rows["created_at"],
    )
    order = np.lexsort((rows["person_id"].to_numpy(), created))
    rows, address, created = (
        rows.iloc[order].reset_index(drop=True),
        address.iloc[order].reset_index(drop=True),
        created[order],
    )
    city = pd.Series(company_cities(companies), index=companies["company_id"])
    company_name = (
        companies.set_index("company_id")["name"]
        .reindex(rows["company_id"].astype("Int64"))
        .to_numpy()
    )
    firsts = first.reindex(rows["person_id"])
    source = firsts["channel"].fillna("offline").map(ANALYTICS_SOURCE).to_numpy()
    return pd.DataFrame(
        {
            "id": np.arange(first_id, first_id + len(rows), dtype=np.int64),
            "created_at": created,
            "updated_at": created,
            "email": address,
            "firstname": rows["first_name"],
            "lastname": _blank(rng, rows["last_name"], 0.03),
            "jobtitle": _blank(rng, rows["title"], 0.15),
            "company": _blank(rng, company_name, 0.25),
            "phone": _blank(rng, phone_numbers(rng, len(rows)), 0.4),
            "country": _blank(rng, rows["country"], 0.2),
            "city": _blank(rng, city.reindex(rows["company_id"].astype("Int64")).to_numpy(), 0.3),
            "hs_analytics_source": source,
            "hs_analytics_source_data_1": firsts["campaign"].to_numpy(),
            "hubspot_owner_id": owner(rng, rows["person_id"], owners, "hubspot"),
            "hs_email_optout": np.where(opted_out(rows["person_id"], "hubspot"), "true", "false"),
            "person_id": rows["person_id"],
        }
    )


def lifecycle(
    contacts: pd.DataFrame,
    submitted: set | pd.Index,
    leads: pd.DataFrame,
    opportunities: pd.DataFrame,
) -> np.ndarray:
    """Each contact's lifecycle stage now, from what its person has done across systems."""
    pid = contacts["person_id"]
    stage = np.where(pid.isin(submitted), "lead", "subscriber").astype(object)
    stage = np.where(pid.isin(leads["person_id"]), "marketingqualifiedlead", stage)
    working = leads.loc[leads["Status"] == "Working - Contacted", "person_id"]
    stage = np.where(pid.isin(working), "salesqualifiedlead", stage)
    stage = np.where(pid.isin(opportunities["person_id"]), "opportunity", stage)
    return np.where(
        pid.isin(opportunities.loc[opportunities["IsWon"], "person_id"]), "customer", stage
    )


def build_companies(
    rng: np.random.Generator,
    companies: pd.DataFrame,
    contacts: pd.DataFrame,
    window: Window,
    first_id: int,
    existing: pd.Index,
) -> pd.DataFrame:
    """HubSpot companies for most companies that new contacts work at (not yet in HubSpot)."""
    seen = contacts.groupby(contacts["person_company"].dropna().astype("int64"))["created_at"].min()
    seen = seen[~seen.index.isin(existing)]
    seen = seen[rng.random(len(seen)) < 0.85]
    c = companies.set_index("company_id").loc[seen.index]
    created = np.maximum(seen.to_numpy() - rng.integers(0, 5 * DAY, len(seen)), window.start + 1)
    return pd.DataFrame(
        {
            "id": np.arange(first_id, first_id + len(c), dtype=np.int64),
            "created_at": created,
            "updated_at": created,
            "name": c["name"].to_numpy(),
            "domain": c["domain"].to_numpy(),
            "industry": c["industry"]
            .str.upper()
            .str.replace(r"[^A-Z]+", "_", regex=True)
            .to_numpy(),
            "numberofemployees": c["employees"].astype(str).to_numpy(),
            "annualrevenue": (c["employees"] * 150_000).astype(str).to_numpy(),
            "country": c["country"].to_numpy(),
            "city": company_cities(c.reset_index()),
            "lifecyclestage": "lead",
            "company_id": seen.index.to_numpy(),
        }
    )


def build_deals(
    rng: np.random.Generator, opportunities: pd.DataFrame, first_id: int
) -> pd.DataFrame:
    """Deals for ~70 % of the opportunities (the HubSpot-Salesforce sync mirrors only some)."""
    o = opportunities[rng.random(len(opportunities)) < 0.7].reset_index(drop=True)
    return pd.DataFrame(
        {
            "id": np.arange(first_id, first_id + len(o), dtype=np.int64),
            "created_at": o["CreatedDate"].to_numpy(),
            "updated_at": o["LastModifiedDate"].to_numpy(),
            "dealname": o["Name"],
            "amount": (o["Amount"].round(2)).map("{:.2f}".format),
            "dealstage": o["StageName"].map(DEAL_STAGE),
            "pipeline": "default",
            "closedate": pd.to_datetime(o["CloseDate"]).dt.strftime("%Y-%m-%dT00:00:00.000Z"),
            "hubspot_owner_id": None,
            "person_id": o["person_id"],
            "company_id": o["company_id"],
        }
    )
