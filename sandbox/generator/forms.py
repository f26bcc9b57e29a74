"""HubSpot forms and their submissions (values carry UTMs and click ids; the e-mail is sometimes a variant)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from sandbox.generator.activity import STATIC_FORMS, choose_forms
from sandbox.generator.clock import DAY
from sandbox.generator.email import SITE
from sandbox.generator.ids import uuids
from sandbox.generator.messiness import chosen_address, gmail_variant, messy_case_and_padding
from sandbox.generator.writer import CHECKPOINT_ROWS, insert

CLICK_ID = {"google_ads": "gclid", "meta_ads": "fbclid", "linkedin_ads": "li_fat_id"}
FIELDS = [
    "email",
    "firstname",
    "lastname",
    "company",
    "jobtitle",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "gclid",
    "fbclid",
    "li_fat_id",
]


def make_forms(
    rng: np.random.Generator, calendar: pd.DataFrame, created_before: int, static: bool
) -> pd.DataFrame:
    """The static forms (when `static`) and one registration form per webinar in `calendar`."""
    webinars = calendar[calendar["kind"] == "webinar"]
    names = (STATIC_FORMS if static else []) + [
        "Webinar registration: " + n for n in webinars["name"]
    ]
    return pd.DataFrame(
        {
            "guid": uuids(rng, len(names)),
            "name": names,
            "created_at": np.concatenate(
                [
                    np.full(len(STATIC_FORMS) if static else 0, created_before - 400 * DAY),
                    webinars["sent_at"].to_numpy() - DAY,
                ]
            ).astype(np.int64),
            "webinar_at": np.concatenate(
                [np.zeros(len(STATIC_FORMS) if static else 0), webinars["webinar_at"].to_numpy()]
            ).astype(np.int64),
            "program": [None] * (len(STATIC_FORMS) if static else 0) + list(webinars["name"]),
        }
    )


def make_submissions(
    rng: np.random.Generator,
    touches: pd.DataFrame,
    people: pd.DataFrame,
    companies: pd.DataFrame,
    role: pd.Series,
    forms: pd.DataFrame,
    structure: pd.DataFrame,
) -> pd.DataFrame:
    """One submission per touch with form=True; fields as the visitor typed them (a staging frame).

    `role` holds shared role addresses by person_id, typed instead of their own 80 % of the time."""
    t = touches[touches["form"]].reset_index(drop=True)
    who = people.set_index("person_id").loc[t["person_id"]].reset_index()
    address = messy_case_and_padding(
        rng, gmail_variant(rng, chosen_address(rng, who, 0.15), 0.3), 0.1, 0.03
    )
    role_of = role.reindex(t["person_id"]).to_numpy()
    address = address.where(pd.isna(role_of) | (rng.random(len(t)) < 0.2), role_of)
    platform = np.where(
        t["ad_group"] >= 0, structure["platform"].to_numpy()[np.maximum(t["ad_group"], 0)], None
    )
    click = pd.Series(uuids(rng, len(t))).str.replace("-", "", regex=False)
    frame = pd.DataFrame(
        {
            "conversion_id": uuids(rng, len(t)),
            "form_guid": choose_forms(rng, t, forms),
            "submitted_at": t["touched_at"],
            "email": address,
            "firstname": who["first_name"],
            "lastname": who["last_name"],
            "company": companies.set_index("company_id")["name"]
            .reindex(who["company_id"].astype("Int64"))
            .to_numpy(),
            "jobtitle": who["title"].where(rng.random(len(t)) < 0.8, None),
            "utm_source": t["source"].where(t["campaign"].notna(), None),
            "utm_medium": t["medium"].where(t["campaign"].notna(), None),
            "utm_campaign": t["campaign"],
            "person_id": t["person_id"],
        }
    )
    for p, name in CLICK_ID.items():
        frame[name] = click.where(platform == p, None)
    slug = (
        forms.set_index("guid")["name"]
        .reindex(frame["form_guid"])
        .str.lower()
        .str.replace(r"[^a-z0-9]+", "-", regex=True)
        .to_numpy()
    )
    frame["page_url"] = SITE + "/" + slug
    return frame


def insert_submissions(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    """Insert submissions, building `values` (JSON [{name, value}]) and the page URL with its query in SQL."""
    cols = ", ".join(f'"{c}" VARCHAR' for c in FIELDS)
    con.execute(
        f"CREATE TEMP TABLE _submissions (conversion_id VARCHAR, form_guid VARCHAR, submitted_at TIMESTAMP, page_url VARCHAR, {cols})"
    )
    pairs = ", ".join(f"{{'name': '{c}', 'value': \"{c}\"}}" for c in FIELDS)
    query = " || ".join(f"coalesce('&{c}=' || \"{c}\", '')" for c in FIELDS[5:])
    for start in range(0, len(frame), CHECKPOINT_ROWS):  # in order, CHECKPOINT_ROWS at a time
        insert(con, "_submissions", frame.iloc[start : start + CHECKPOINT_ROWS])
        con.execute(f"""
            INSERT INTO hubspot_form_submissions
            SELECT conversion_id, form_guid, submitted_at,
                   page_url || coalesce('?' || nullif(ltrim({query}, '&'), ''), ''),
                   to_json(list_filter([{pairs}], lambda x: x.value IS NOT NULL))::VARCHAR
            FROM _submissions""")
        con.execute("DELETE FROM _submissions")
        con.execute("CHECKPOINT")
    con.execute("DROP TABLE _submissions")
