"""One stretch of the world's life: people created in a window, their records, and everyone's activity.

`generate` runs it once over the whole history with an empty `Existing`; `advance` runs it over
(old now, new now] with what the world already holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa

from sandbox.generator import analytics, campaigns, hubspot, salesforce
from sandbox.generator.activity import make_calendar, make_touches
from sandbox.generator.ads import daily_metrics
from sandbox.generator.clock import DAY, Window, modified_after, timestamps
from sandbox.generator.conversion import plan_opportunities
from sandbox.generator.email import make_email_events
from sandbox.generator.forms import make_forms, make_submissions
from sandbox.generator.ids import salesforce_ids

HUBSPOT_OWNERS = np.array([str(v) for v in range(71_000_101, 71_000_109)], dtype=object)
SALESFORCE_OWNERS = salesforce_ids("User", np.arange(1, 9))
PROPERTY_ID = "318402117"
Tables = dict[str, pd.DataFrame | pa.Table]  # world table name → rows (big ones as Arrow)
Sink = Callable[[str, pd.DataFrame | pa.Table], None]  # takes a finished world table (to write it)


def _empty(*columns: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


@dataclass
class Existing:
    """What the world already holds before the window (all empty for a fresh world)."""

    companies: pd.DataFrame
    structure: pd.DataFrame
    ids: salesforce.Counters
    next_hubspot: dict[str, int]
    sends: pd.DataFrame = field(
        default_factory=lambda: _empty("id", "person_id", "recipient", "created_at")
    )
    forms: pd.DataFrame = field(
        default_factory=lambda: _empty("guid", "name", "created_at", "webinar_at", "program")
    )
    campaigns: pd.DataFrame = field(default_factory=lambda: _empty("Id", "Name", "Type"))
    leads: pd.DataFrame = field(default_factory=lambda: _empty("Id", "person_id", "CreatedDate"))
    contacts: pd.DataFrame = field(default_factory=lambda: _empty("Id", "person_id", "CreatedDate"))
    account_of: pd.Series = field(default_factory=lambda: pd.Series([], dtype=object))
    hubspot_company_of: pd.Series = field(default_factory=lambda: pd.Series([], dtype="int64"))
    with_opportunity: pd.Index = field(default_factory=lambda: pd.Index([], dtype="int64"))
    role: pd.Series | None = None  # shared role address by person_id (fresh worlds only)


def grow(
    rng: np.random.Generator,
    base: Existing,
    people: pd.DataFrame,
    new: pd.Series,
    window: Window,
    opportunity_share: float,
    sink: Sink | None = None,
) -> tuple[Tables, dict[str, pd.DataFrame]]:
    """World and truth rows added in `window`. `people` is everyone alive; `new` flags those created in it.
    `sink`, when given, takes the e-mail events (the biggest table, in chunks) as they are made instead."""
    companies, structure = base.companies, base.structure
    fresh = people[new.to_numpy()].reset_index(drop=True)
    role = base.role if base.role is not None else pd.Series([], dtype=object)
    calendar = make_calendar(rng, window, base.next_hubspot["hubspot_email_campaigns"])
    touches = make_touches(rng, people, window, structure)
    first = touches[touches["first"]].set_index("person_id")[["channel", "campaign"]]
    first_channel = first["channel"].reindex(fresh["person_id"]).fillna("offline")

    contacts = hubspot.build_contacts(
        rng,
        fresh,
        companies,
        first,
        role,
        window,
        base.next_hubspot["hubspot_contacts"],
        base.sends["recipient"],
        HUBSPOT_OWNERS,
    )
    sends = pd.concat(
        [
            base.sends,
            contacts.assign(recipient=hubspot.recipient(contacts["email"]))[base.sends.columns],
        ],
        ignore_index=True,
    )
    events: list[pa.Table] = []
    email_touches = make_email_events(
        rng,
        calendar,
        sends,
        people.set_index("person_id")["engagement_rate"],
        window.end,
        events.append if sink is None else partial(sink, "hubspot_email_events"),
    )
    touches = (
        pd.concat([touches, email_touches], ignore_index=True)
        .sort_values(["touched_at", "person_id"], kind="stable")
        .reset_index(drop=True)
    )

    forms = make_forms(rng, calendar, window.start, static=base.forms.empty)
    all_forms = pd.concat([base.forms, forms], ignore_index=True)
    submissions = make_submissions(rng, touches, people, companies, role, all_forms, structure)
    paid = structure if base.campaigns.empty else structure.iloc[:0]  # paid campaigns are made once
    sf_campaigns = campaigns.build_campaigns(paid, calendar, window, base.ids.take)
    all_campaigns = pd.concat(
        [base.campaigns, sf_campaigns[base.campaigns.columns]], ignore_index=True
    )
    candidates = people[~people["person_id"].isin(base.with_opportunity)]
    plan = plan_opportunities(rng, candidates, touches, companies, window, opportunity_share)
    plan["campaign_id"] = _last_campaign(plan, touches, all_campaigns)
    sf = salesforce.build(
        rng,
        fresh,
        companies,
        first_channel,
        role,
        plan[plan["person_id"].isin(fresh["person_id"])],
        window,
        base.ids,
        SALESFORCE_OWNERS,
        base.account_of,
    )
    _existing_buyers(
        rng, base, people, plan[~plan["person_id"].isin(fresh["person_id"])], sf, window
    )
    leads = pd.concat([base.leads, sf["salesforce_lead"][base.leads.columns]], ignore_index=True)
    sf_contacts = pd.concat(
        [base.contacts, sf["salesforce_contact"][base.contacts.columns]], ignore_index=True
    )
    members = campaigns.build_members(
        rng, touches, all_campaigns, leads, sf_contacts, base.ids.take
    )

    opps = sf["salesforce_opportunity"]
    _link_contacts(rng, contacts, fresh, submissions, sf, window)
    hs_companies = hubspot.build_companies(
        rng,
        companies,
        contacts,
        window,
        base.next_hubspot["hubspot_companies"],
        base.hubspot_company_of.index,
    )
    company_of = pd.concat([base.hubspot_company_of, hs_companies.set_index("company_id")["id"]])
    won = people.set_index("person_id")["company_id"].reindex(opps.loc[opps["IsWon"], "person_id"])
    hs_companies.loc[hs_companies["company_id"].isin(won), "lifecyclestage"] = "customer"
    opps["company_id"] = (
        people.set_index("person_id")["company_id"].reindex(opps["person_id"]).to_numpy()
    )
    deals = hubspot.build_deals(rng, opps, base.next_hubspot["hubspot_deals"])
    contact_of = (
        pd.concat([base.sends, contacts]).drop_duplicates("person_id").set_index("person_id")["id"]
    )
    associations = _associations(contacts, contact_of, company_of, deals)

    daily = daily_metrics(rng, structure, touches, window)
    ga4 = analytics.ga4_daily(
        rng, PROPERTY_ID, touches, daily, structure, window.days(), len(people) / 10_000
    )
    world = {
        "hubspot_contacts": contacts,
        "hubspot_companies": hs_companies,
        "hubspot_deals": deals,
        "hubspot_associations": associations,
        "hubspot_email_campaigns": pd.DataFrame(
            {
                "id": calendar["email_campaign_id"],
                "name": calendar["name"],
                "subject": calendar["name"].str.replace("_", " ").str.title(),
                "created_at": calendar["sent_at"] - 2 * DAY,
            }
        ),
        **({"hubspot_email_events": pa.concat_tables(events)} if events else {}),
        "hubspot_forms": forms,
        "hubspot_form_submissions": submissions,
        **{k: v for k, v in sf.items() if k != "account_of"},
        "salesforce_campaign": sf_campaigns,
        "salesforce_campaign_member": members,
        "ga4_daily": ga4,
        "_ad_daily": daily,
    }
    truth = {
        "people": fresh,
        "record_person": _record_person(contacts, submissions, sf),
        "opportunities": pd.DataFrame(
            {
                "opportunity_id": opps["Id"],
                "person_id": opps["person_id"],
                "amount": opps["Amount"],
                "closed_won_at": opps["LastModifiedDate"].where(opps["IsWon"]),
            }
        ),
        "touches": touches[["person_id", "touched_at", "channel", "campaign"]],
    }
    return world, truth


def _existing_buyers(
    rng: np.random.Generator,
    base: Existing,
    people: pd.DataFrame,
    plan: pd.DataFrame,
    sf: dict[str, pd.DataFrame],
    window: Window,
) -> None:
    """Opportunities for people who existed before the window (advance): a Contact is created for
    buyers without one (converting their lead, reported in sf["_lead_conversions"]), then the
    opportunities are appended to `sf`."""
    plan = plan[
        people.set_index("person_id")["company_id"].reindex(plan["person_id"]).notna().to_numpy()
    ]
    new = plan[~plan["person_id"].isin(base.contacts["person_id"])].reset_index(drop=True)
    who = people.set_index("person_id").loc[new["person_id"]].reset_index()
    first_seen = new.groupby(who["company_id"].astype("int64").to_numpy())["created_at"].min()
    accounts, account_of = salesforce.new_accounts(
        rng,
        base.companies,
        who["company_id"],
        first_seen,
        window,
        base.ids,
        SALESFORCE_OWNERS,
        sf["account_of"],
    )
    contacts = salesforce.new_contacts(
        rng,
        who,
        new["created_at"].to_numpy(),
        account_of,
        pd.Series([], dtype=object),
        window,
        base.ids,
        SALESFORCE_OWNERS,
    )
    contact_of = pd.concat(
        [base.contacts.set_index("person_id")["Id"], contacts.set_index("person_id")["Id"]]
    )
    opps, roles = salesforce.open_opportunities(
        rng,
        plan.reset_index(drop=True),
        people,
        base.companies,
        contact_of,
        account_of,
        pd.Series([], dtype=object),
        base.ids,
        SALESFORCE_OWNERS,
        window.end,
    )
    lead = (
        base.leads.sort_values(["CreatedDate", "Id"])
        .drop_duplicates("person_id")
        .set_index("person_id")
    )
    converting = new[new["person_id"].isin(lead.index)]
    at = timestamps(converting["created_at"])
    sf["_lead_conversions"] = pd.DataFrame(
        {
            "Id": lead["Id"].reindex(converting["person_id"]).to_numpy(),
            "IsConverted": True,
            "Status": "Closed - Converted",
            "ConvertedDate": at.dt.date.to_numpy(),
            "ConvertedContactId": contact_of.reindex(converting["person_id"]).to_numpy(),
            "ConvertedAccountId": account_of.reindex(
                who.set_index("person_id")["company_id"]
                .reindex(converting["person_id"])
                .astype("int64")
            ).to_numpy(),
            "ConvertedOpportunityId": opps.set_index("person_id")["Id"]
            .reindex(converting["person_id"])
            .to_numpy(),
            "LastModifiedDate": at.to_numpy(),
            "SystemModstamp": at.to_numpy(),
        }
    )
    for table, extra in (
        ("salesforce_account", accounts),
        ("salesforce_contact", contacts),
        ("salesforce_opportunity", opps),
        ("salesforce_opportunity_contact_role", roles),
    ):
        sf[table] = pd.concat([sf[table], extra], ignore_index=True)


def _last_campaign(
    plan: pd.DataFrame, touches: pd.DataFrame, all_campaigns: pd.DataFrame
) -> np.ndarray:
    """The Salesforce campaign of each buyer's last campaign touch before the opportunity (else NULL)."""
    t = touches[touches["campaign"].notna()].merge(
        plan[["person_id", "created_at"]], on="person_id"
    )
    t = (
        t[t["touched_at"] < t["created_at"]]
        .drop_duplicates("person_id", keep="last")
        .set_index("person_id")
    )
    by_name = all_campaigns.drop_duplicates("Name").set_index("Name")["Id"]
    return by_name.reindex(t["campaign"].reindex(plan["person_id"])).to_numpy()


def _link_contacts(
    rng: np.random.Generator,
    contacts: pd.DataFrame,
    people: pd.DataFrame,
    submissions: pd.DataFrame,
    sf: dict[str, pd.DataFrame],
    window: Window,
) -> None:
    """Fill the contact columns that depend on other systems: sync ids, lifecycle, modified dates, company."""
    lead_of = sf["salesforce_lead"].drop_duplicates("person_id").set_index("person_id")["Id"]
    contact_of = sf["salesforce_contact"].set_index("person_id")["Id"]
    synced = rng.random(len(contacts)) < 0.85
    contacts["salesforceleadid"] = lead_of.reindex(contacts["person_id"]).where(synced).to_numpy()
    contacts["salesforcecontactid"] = (
        contact_of.reindex(contacts["person_id"]).where(synced).to_numpy()
    )
    contacts["lifecyclestage"] = hubspot.lifecycle(
        contacts,
        pd.Index(submissions["person_id"]),
        sf["salesforce_lead"],
        sf["salesforce_opportunity"],
    )
    contacts["hs_lead_status"] = np.where(contacts["salesforceleadid"].notna(), "IN_PROGRESS", None)
    contacts["updated_at"] = modified_after(rng, contacts["created_at"].to_numpy(), window.end)
    contacts["person_company"] = (
        people.set_index("person_id")["company_id"].reindex(contacts["person_id"]).to_numpy()
    )


def _associations(
    contacts: pd.DataFrame, contact_of: pd.Series, company_of: pd.Series, deals: pd.DataFrame
) -> pd.DataFrame:
    """contact→company (279) for new contacts, deal→contact (3, the buyer's first contact via
    `contact_of` by person_id) and deal→company (341) for new deals."""
    parts = [
        (
            "contacts",
            contacts["id"],
            "companies",
            company_of.reindex(contacts["person_company"]).to_numpy(),
            279,
        ),
        ("deals", deals["id"], "contacts", contact_of.reindex(deals["person_id"]).to_numpy(), 3),
        (
            "deals",
            deals["id"],
            "companies",
            company_of.reindex(deals["company_id"]).to_numpy(),
            341,
        ),
    ]
    rows = pd.concat(
        [
            pd.DataFrame(
                {
                    "from_object_type": f,
                    "from_id": fid,
                    "to_object_type": t,
                    "to_id": tid,
                    "association_type_id": a,
                }
            )
            for f, fid, t, tid, a in parts
        ],
        ignore_index=True,
    ).dropna(subset=["to_id"])
    return rows.astype({"to_id": np.int64})


def _record_person(
    contacts: pd.DataFrame, submissions: pd.DataFrame, sf: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    parts = [
        ("hubspot", "contacts", contacts["id"].astype(str), contacts["person_id"]),
        ("hubspot", "form_submissions", submissions["conversion_id"], submissions["person_id"]),
        ("salesforce", "Lead", sf["salesforce_lead"]["Id"], sf["salesforce_lead"]["person_id"]),
        (
            "salesforce",
            "Contact",
            sf["salesforce_contact"]["Id"],
            sf["salesforce_contact"]["person_id"],
        ),
    ]
    return pd.concat(
        [
            pd.DataFrame(
                {"system": s, "object": o, "record_id": r.to_numpy(), "person_id": p.to_numpy()}
            )
            for s, o, r, p in parts
        ],
        ignore_index=True,
    )
