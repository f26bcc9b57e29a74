"""Salesforce: leads (some converted, some duplicated), contacts, accounts, opportunities, campaigns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sandbox.generator.by_person import opted_out, owner
from sandbox.generator.clock import DAY, Window, modified_after, timestamps
from sandbox.generator.conversion import stage_at
from sandbox.generator.ids import salesforce_ids
from sandbox.generator.messiness import messy_case_and_padding
from sandbox.generator.people import company_cities, phone_numbers

LEAD_SOURCE = {
    "paid_search": "Paid Search",
    "paid_social": "Paid Social",
    "organic": "Organic Search",
    "direct": "Direct",
    "referral": "Referral",
    "offline": "Trade Show",
    "email": "Email",
}
OPEN_STATUSES = ["Open - Not Contacted", "Working - Contacted", "Closed - Not Converted"]


@dataclass
class Counters:
    """Next Salesforce id counter per sObject (continued by `advance`)."""

    next: dict[str, int]

    def take(self, sobject: str, n: int) -> np.ndarray:
        start = self.next.get(sobject, 1)
        self.next[sobject] = start + n
        return salesforce_ids(sobject, np.arange(start, start + n))


def build(
    rng: np.random.Generator,
    people: pd.DataFrame,
    companies: pd.DataFrame,
    first_channel: pd.Series,
    role: pd.Series,
    plan: pd.DataFrame,
    window: Window,
    ids: Counters,
    owners: np.ndarray,
    account_of: pd.Series,
) -> dict[str, pd.DataFrame]:
    """Leads, contacts, new accounts, opportunities and contact roles for `people` created in `window`.

    `plan` holds the opportunities (conversion.plan_opportunities); `account_of` maps company_id →
    existing account Id and is extended with the accounts created here.
    """
    n = len(people)
    pid = people["person_id"].to_numpy()
    created = people["created_at"].to_numpy()
    fit = people["fit"].to_numpy()
    employed = people["company_id"].notna().to_numpy()
    opp_at = plan.set_index("person_id")["created_at"].reindex(pid).to_numpy()
    has_opp = ~np.isnan(opp_at)
    has_lead = rng.random(n) < 0.3 + 0.45 * fit
    lead_at = np.minimum(created + rng.integers(0, 10 * DAY, n), window.end)
    lead_at = np.where(
        has_opp, np.minimum(lead_at, np.nan_to_num(opp_at).astype(np.int64)), lead_at
    )
    converted_plain = (
        has_lead & ~has_opp & employed & (rng.random(n) < 0.06) & (lead_at + 20 * DAY <= window.end)
    )
    direct = employed & ~has_lead & (has_opp | (rng.random(n) < 0.08))
    contact_at = np.where(
        has_opp & has_lead,
        np.nan_to_num(opp_at),
        np.where(converted_plain, lead_at + 20 * DAY, lead_at),
    ).astype(np.int64)
    has_contact = employed & (has_opp | converted_plain | direct)
    converted = has_lead & has_contact

    companies_by_id = companies.set_index("company_id")
    company_name = companies_by_id["name"].reindex(people["company_id"].astype("Int64")).to_numpy()
    # accounts for every company a contact works at, plus some others, if not in Salesforce yet
    need = people["company_id"][has_contact | (employed & (rng.random(n) < 0.2))]
    first_seen = pd.Series(created).groupby(people["company_id"].to_numpy()).min()
    accounts, account_of = new_accounts(
        rng, companies, need, first_seen, window, ids, owners, account_of
    )
    lead_source = first_channel.map(LEAD_SOURCE)
    contact_rows = np.flatnonzero(has_contact)
    cp = people.iloc[contact_rows].reset_index(drop=True)
    contacts = new_contacts(
        rng, cp, contact_at[contact_rows], account_of, lead_source, window, ids, owners
    )
    contact_of = contacts.set_index("person_id")["Id"]

    plan = plan[plan["person_id"].isin(contact_of.index)].reset_index(drop=True)
    opportunities, roles = open_opportunities(
        rng, plan, people, companies, contact_of, account_of, lead_source, ids, owners, window.end
    )
    opp_ids = opportunities["Id"].to_numpy()

    lead_rows = np.flatnonzero(has_lead)
    dup = lead_rows[rng.random(len(lead_rows)) < 0.03]
    rows = np.concatenate([lead_rows, dup])
    lp = people.iloc[rows].reset_index(drop=True)
    l_created = np.concatenate(
        [
            lead_at[lead_rows],
            np.minimum(lead_at[dup] + rng.integers(DAY, 60 * DAY, len(dup)), window.end),
        ]
    )
    is_dup = np.arange(len(rows)) >= len(lead_rows)
    address = lp["email"].where(~is_dup | lp["personal_email"].isna(), lp["personal_email"])
    address = address.where(
        role.reindex(lp["person_id"]).isna().to_numpy(), role.reindex(lp["person_id"]).to_numpy()
    )
    conv = converted[rows] & ~is_dup
    conv_contact = contact_of.reindex(lp["person_id"]).to_numpy()
    opp_of = pd.Series(opp_ids, index=plan["person_id"].to_numpy())
    conv_date = timestamps(np.where(conv, contact_at[rows], 0)).dt.date
    status = np.asarray(OPEN_STATUSES, dtype=object)[rng.choice(3, len(rows), p=[0.4, 0.35, 0.25])]
    leads = pd.DataFrame(
        {
            "Id": ids.take("Lead", len(rows)),
            "FirstName": lp["first_name"],
            "LastName": lp["last_name"],
            "Email": messy_case_and_padding(rng, address, 0.08, 0.02),
            "Title": lp["title"],
            "Company": pd.Series(company_name[rows]).fillna("[not provided]"),
            "Phone": phone_numbers(rng, len(rows)).where(rng.random(len(rows)) < 0.5).to_numpy(),
            "Country": lp["country"],
            "Industry": companies_by_id["industry"]
            .reindex(lp["company_id"].astype("Int64"))
            .to_numpy(),
            "NumberOfEmployees": companies_by_id["employees"]
            .reindex(lp["company_id"].astype("Int64"))
            .to_numpy(),
            "LeadSource": lead_source.reindex(lp["person_id"]).to_numpy(),
            "Status": np.where(conv, "Closed - Converted", status),
            "OwnerId": owner(rng, lp["person_id"], owners, "salesforce"),
            "IsConverted": conv,
            "ConvertedDate": conv_date.where(conv, None),
            "ConvertedContactId": np.where(conv, conv_contact, None),
            "ConvertedAccountId": np.where(
                conv,
                account_of.reindex(
                    lp["company_id"].astype("Int64").fillna(-1).astype("int64")
                ).to_numpy(),
                None,
            ),
            "ConvertedOpportunityId": np.where(
                conv, opp_of.reindex(lp["person_id"]).to_numpy(), None
            ),
            "CreatedDate": timestamps(l_created),
        }
    )
    modified = np.where(
        conv, np.maximum(contact_at[rows], l_created), modified_after(rng, l_created, window.end)
    )
    leads["LastModifiedDate"] = timestamps(modified)
    leads["SystemModstamp"] = leads["LastModifiedDate"]
    leads["person_id"] = lp["person_id"].to_numpy()
    leads["HasOptedOutOfEmail"] = opted_out(lp["person_id"], "salesforce")
    return {
        "salesforce_lead": leads,
        "salesforce_contact": contacts,
        "salesforce_account": accounts,
        "salesforce_opportunity": opportunities,
        "salesforce_opportunity_contact_role": roles,
        "account_of": account_of,
    }


def new_accounts(
    rng: np.random.Generator,
    companies: pd.DataFrame,
    company_ids: pd.Series,
    first_seen: pd.Series,
    window: Window,
    ids: Counters,
    owners: np.ndarray,
    account_of: pd.Series,
) -> tuple[pd.DataFrame, pd.Series]:
    """Accounts for the companies among `company_ids` without one yet, created a little before the
    company was first seen (`first_seen` by company_id). Returns them and `account_of` extended."""
    need = pd.unique(company_ids.dropna().astype("int64"))
    need = np.sort(need[~pd.Series(need).isin(account_of.index).to_numpy()])
    created = np.maximum(
        first_seen.reindex(need).to_numpy().astype(np.int64) - rng.integers(0, 30 * DAY, len(need)),
        window.start + 1,
    )
    acct = companies.set_index("company_id").loc[need]
    account_ids = ids.take("Account", len(need))
    accounts = pd.DataFrame(
        {
            "Id": account_ids,
            "Name": acct["name"].to_numpy(),
            "Website": "www." + acct["domain"].to_numpy(),
            "Industry": acct["industry"].to_numpy(),
            "NumberOfEmployees": acct["employees"].to_numpy(),
            "AnnualRevenue": acct["employees"].to_numpy() * 150_000.0,
            "BillingCountry": acct["country"].to_numpy(),
            "BillingCity": company_cities(acct.reset_index()),
            "OwnerId": owners[rng.integers(0, len(owners), len(need))],
            "CreatedDate": timestamps(created),
        }
    )
    accounts["LastModifiedDate"] = timestamps(modified_after(rng, created, window.end))
    accounts["SystemModstamp"] = accounts["LastModifiedDate"]
    return accounts, pd.concat([account_of, pd.Series(account_ids, index=need)])


def new_contacts(
    rng: np.random.Generator,
    people: pd.DataFrame,
    created: np.ndarray,
    account_of: pd.Series,
    lead_source: pd.Series,
    window: Window,
    ids: Counters,
    owners: np.ndarray,
) -> pd.DataFrame:
    """A Contact for each of `people` (index 0..n-1), created at `created`; keeps a person_id column."""
    n = len(people)
    contacts = pd.DataFrame(
        {
            "Id": ids.take("Contact", n),
            "AccountId": account_of.reindex(people["company_id"].astype("int64")).to_numpy(),
            "FirstName": people["first_name"].to_numpy(),
            "LastName": people["last_name"].to_numpy(),
            "Email": messy_case_and_padding(rng, people["email"], 0.04, 0.0).to_numpy(),
            "Title": people["title"].to_numpy(),
            "Phone": phone_numbers(rng, n).where(rng.random(n) < 0.6).to_numpy(),
            "MailingCountry": people["country"].to_numpy(),
            "LeadSource": lead_source.reindex(people["person_id"]).to_numpy(),
            "OwnerId": owner(rng, people["person_id"], owners, "salesforce"),
            "HasOptedOutOfEmail": opted_out(people["person_id"], "salesforce"),
            "CreatedDate": timestamps(created),
            "person_id": people["person_id"].to_numpy(),
        }
    )
    contacts["LastModifiedDate"] = timestamps(modified_after(rng, created, window.end))
    contacts["SystemModstamp"] = contacts["LastModifiedDate"]
    return contacts


def open_opportunities(
    rng: np.random.Generator,
    plan: pd.DataFrame,
    people: pd.DataFrame,
    companies: pd.DataFrame,
    contact_of: pd.Series,
    account_of: pd.Series,
    lead_source: pd.Series,
    ids: Counters,
    owners: np.ndarray,
    now: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Opportunities for `plan` (see conversion.plan_opportunities) as they stand at `now`, each with its
    buyer as the primary OpportunityContactRole and, for half of those with a colleague in Salesforce,
    that colleague as a non-primary Influencer. `contact_of`/`account_of` map person/company → Id."""
    opp_ids = ids.take("Opportunity", len(plan))
    company = (
        people.set_index("person_id")["company_id"]
        .reindex(plan["person_id"])
        .astype("int64")
        .to_numpy()
    )
    stage = stage_at(plan, now)
    opportunities = pd.DataFrame(
        {
            "Id": opp_ids,
            "AccountId": account_of.reindex(company).to_numpy(),
            "Name": companies.set_index("company_id")["name"].reindex(company).to_numpy()
            + " - New Business",
            "Amount": plan["cents"].to_numpy() / 100,
            "StageName": stage["StageName"],
            "Probability": stage["Probability"],
            "IsClosed": stage["IsClosed"],
            "IsWon": stage["IsWon"],
            "CloseDate": timestamps(plan["close_at"]).dt.date,
            "CampaignId": plan["campaign_id"].to_numpy(),
            "LeadSource": lead_source.reindex(plan["person_id"]).to_numpy(),
            "OwnerId": owners[rng.integers(0, len(owners), len(plan))],
            "CreatedDate": timestamps(plan["created_at"]),
            "LastModifiedDate": timestamps(stage["changed_at"]),
            "person_id": plan["person_id"].to_numpy(),
        }
    )
    opportunities["SystemModstamp"] = opportunities["LastModifiedDate"]
    buyers = pd.DataFrame(
        {
            "OpportunityId": opp_ids,
            "ContactId": contact_of.reindex(plan["person_id"]).to_numpy(),
            "Role": "Decision Maker",
            "IsPrimary": True,
            "CreatedDate": timestamps(plan["created_at"]),
        }
    )
    staff = pd.DataFrame(
        {"person_id": contact_of.index.to_numpy(), "ContactId": contact_of.to_numpy()}
    )
    staff["company"] = (
        people.set_index("person_id")["company_id"].reindex(staff["person_id"]).to_numpy()
    )
    staff = staff.dropna(subset=["company"]).astype({"company": "int64"})
    staff = staff.sort_values(["company", "person_id"]).groupby("company").head(2)
    deals = pd.DataFrame(
        {
            "OpportunityId": opp_ids,
            "company": company,
            "buyer": plan["person_id"].to_numpy(),
            "CreatedDate": buyers["CreatedDate"],
        }
    )
    colleagues = deals.merge(staff, on="company")
    colleagues = colleagues[colleagues["person_id"] != colleagues["buyer"]].drop_duplicates(
        "OpportunityId"
    )
    colleagues = colleagues[rng.random(len(colleagues)) < 0.5].assign(
        Role="Influencer", IsPrimary=False
    )
    roles = pd.concat([buyers, colleagues[buyers.columns]], ignore_index=True)
    roles.insert(0, "Id", ids.take("OpportunityContactRole", len(roles)))
    roles["LastModifiedDate"] = roles["CreatedDate"]
    roles["SystemModstamp"] = roles["CreatedDate"]
    return opportunities, roles


def users(hubspot_owners: np.ndarray, salesforce_owners: np.ndarray, at: int) -> pd.DataFrame:
    """The org's Users: one per record owner, whose e-mail is the address the HubSpot stand-in
    gives the owner of the same rank (`owner-<id>@sandbox.invalid`: the same rep in both tools),
    plus an admin who has no HubSpot seat and owns no records (an owner the two-way sync cannot
    carry to HubSpot)."""
    admin = salesforce_ids("User", np.array([len(salesforce_owners) + 1]))
    emails = [f"Owner-{o}@sandbox.invalid" for o in hubspot_owners]  # case differs on purpose
    return pd.DataFrame(
        {
            "Id": [*salesforce_owners, *admin],
            "Username": [*(e.lower() + ".crm" for e in emails), "admin@sandbox.invalid.crm"],
            "Email": [*emails, "admin@sandbox.invalid"],
            "FirstName": ["Owner"] * len(emails) + ["Sales Ops"],
            "LastName": [*(str(o) for o in hubspot_owners), "Admin"],
            "IsActive": True,
            "CreatedDate": at,
            "LastModifiedDate": at,
            "SystemModstamp": at,
        }
    )
