"""Salesforce campaigns (paid ones named by their utm_campaign, e-mails, webinars) and their members."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sandbox.generator.clock import DAY, Window, timestamps


def build_campaigns(
    structure: pd.DataFrame, calendar: pd.DataFrame, window: Window, take
) -> pd.DataFrame:
    """One Campaign per paid campaign and per e-mail/webinar program of `calendar`."""
    paid = structure.drop_duplicates("campaign").sort_values("campaign")
    start = np.maximum(paid["start_day"].to_numpy(), window.start // DAY - 365) * DAY
    end = paid["end_day"].to_numpy()
    ended = end < window.end // DAY
    programs = pd.DataFrame(
        {
            "Name": np.concatenate([paid["campaign"].to_numpy(), calendar["name"].to_numpy()]),
            "Type": np.concatenate(
                [
                    np.full(len(paid), "Advertisement", dtype=object),
                    np.where(calendar["kind"] == "webinar", "Webinar", "Email"),
                ]
            ),
            "start": np.concatenate([start, calendar["sent_at"].to_numpy() // DAY * DAY]),
            "end": np.concatenate(
                [
                    np.where(ended, end * DAY, -1),
                    np.where(
                        calendar["webinar_at"] > 0, calendar["webinar_at"], calendar["sent_at"]
                    )
                    // DAY
                    * DAY,
                ]
            ),
        }
    )
    done = (programs["end"] >= 0) & (programs["end"] < window.end)
    # paid campaigns may predate the history; an e-mail/webinar program appears inside the window
    # (after the previous clock on advance, or an incremental load would never see it)
    floor = np.concatenate(
        [np.full(len(paid), window.start - 365 * DAY), np.full(len(calendar), window.start + 1)]
    )
    created = np.maximum(programs["start"].to_numpy() - 7 * DAY, floor)
    modified = np.where(done, np.maximum(programs["end"].to_numpy(), created), created)
    return pd.DataFrame(
        {
            "Id": take("Campaign", len(programs)),
            "Name": programs["Name"],
            "Type": programs["Type"],
            "Status": np.where(done, "Completed", "In Progress"),
            "StartDate": timestamps(programs["start"]).dt.date,
            "EndDate": timestamps(programs["end"].clip(lower=0)).dt.date.where(
                programs["end"] >= 0, None
            ),
            "IsActive": ~done,
            "CreatedDate": timestamps(created),
            "LastModifiedDate": timestamps(modified),
            "SystemModstamp": timestamps(modified),
        }
    )


def build_members(
    rng: np.random.Generator,
    touches: pd.DataFrame,
    campaigns: pd.DataFrame,
    leads: pd.DataFrame,
    contacts: pd.DataFrame,
    take,
) -> pd.DataFrame:
    """A member for each (campaign, person) a touch connects, as a Contact once one exists, else as a Lead."""
    t = touches[touches["campaign"].isin(campaigns["Name"])].sort_values(
        ["touched_at", "person_id"]
    )
    t = t.drop_duplicates(["campaign", "person_id"])
    first_lead = (
        leads.sort_values("CreatedDate").drop_duplicates("person_id").set_index("person_id")
    )
    contact = contacts.set_index("person_id")
    at = timestamps(t["touched_at"]).to_numpy()
    contact_id = contact["Id"].reindex(t["person_id"]).to_numpy()
    as_contact = pd.notna(contact_id) & (
        pd.to_datetime(contact["CreatedDate"]).reindex(t["person_id"]).to_numpy() <= at
    )
    lead_id = first_lead["Id"].reindex(t["person_id"]).to_numpy()
    lead_ok = pd.notna(lead_id) & (
        pd.to_datetime(first_lead["CreatedDate"]).reindex(t["person_id"]).to_numpy() <= at
    )
    keep = as_contact | lead_ok
    t, as_contact = t[keep], as_contact[keep]
    webinar = campaigns.set_index("Name")["Type"].reindex(t["campaign"]).to_numpy() == "Webinar"
    responded = ~webinar | (rng.random(len(t)) < 0.6)
    created = timestamps(t["touched_at"])
    return pd.DataFrame(
        {
            "Id": take("CampaignMember", len(t)),
            "CampaignId": campaigns.set_index("Name")["Id"].reindex(t["campaign"]).to_numpy(),
            "LeadId": np.where(as_contact, None, lead_id[keep]),
            "ContactId": np.where(as_contact, contact_id[keep], None),
            "Status": np.where(responded, "Responded", "Sent"),
            "HasResponded": responded,
            "FirstRespondedDate": created.dt.date.where(responded, None),
            "CreatedDate": created,
            "LastModifiedDate": created,
            "SystemModstamp": created,
        }
    )
